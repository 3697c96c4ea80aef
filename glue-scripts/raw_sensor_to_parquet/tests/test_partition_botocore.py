"""CreatePartition input built from a real GetTable response shape, validated by botocore's Glue service model."""
import datetime

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.stub import Stubber  # noqa: E402

import sensor_transforms as t  # noqa: E402

# the storage descriptor of the raw_sensor table as the lake stack defines it (glue.S3Table, JSON, compressed)
RAW_TABLE = {
    "Name": "raw_sensor",
    "DatabaseName": "smartfactory_analytics",
    "CreateTime": datetime.datetime(2026, 11, 1),
    "PartitionKeys": [{"Name": "dt", "Type": "string"}],
    "StorageDescriptor": {
        "Columns": [{"Name": "device_id", "Type": "string"}, {"Name": "temperature", "Type": "double"}],
        "Location": "s3://raw-b/sensor/",
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "Compressed": True,
        "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
        "StoredAsSubDirectories": False,
    },
}


def test_create_partition_input_is_valid_for_glue():
    glue = boto3.client("glue", region_name="ap-northeast-2", aws_access_key_id="x", aws_secret_access_key="x")
    location = t.raw_partition_location("raw-b", "2026-11-24")
    expected = t.partition_input(RAW_TABLE["StorageDescriptor"], location, "2026-11-24")
    with Stubber(glue) as stub:
        stub.add_response("get_table", {"Table": RAW_TABLE}, {"DatabaseName": "smartfactory_analytics",
                                                               "Name": "raw_sensor"})
        stub.add_response("create_partition", {}, {"DatabaseName": "smartfactory_analytics", "TableName": "raw_sensor",
                                                   "PartitionInput": expected})
        stub.add_client_error("create_partition", "AlreadyExistsException", "Partition already exists.")
        table = glue.get_table(DatabaseName="smartfactory_analytics", Name="raw_sensor")["Table"]
        glue.create_partition(DatabaseName="smartfactory_analytics", TableName="raw_sensor",
                              PartitionInput=t.partition_input(table["StorageDescriptor"], location, "2026-11-24"))
        # the job treats a second registration as done (the exception class the job catches exists in the model)
        with pytest.raises(glue.exceptions.AlreadyExistsException):
            glue.create_partition(DatabaseName="smartfactory_analytics", TableName="raw_sensor",
                                  PartitionInput=expected)
    assert expected["StorageDescriptor"]["Location"] == "s3://raw-b/sensor/dt=2026-11-24/"
