import json

import pytest
import sqlfluff
from sqlfluff.api.simple import APIParsingError

import fact_sql as f

ROLE = "arn:aws:iam::123456789012:role/WarehouseRole"
ALL = {"sensor_readings": True, "production": True, "retail_sales": True}


def test_statements_parse_as_redshift_sql():
    # oracle: sqlfluff's Redshift grammar must parse every generated statement without an unparsable segment
    for sql in f.build_statements("2026-11-24", "proc-b", "raw-b", ROLE, ALL):
        tree = sqlfluff.parse(sql + ";\n", dialect="redshift")
        assert "unparsable" not in json.dumps(tree), sql


def test_parser_oracle_rejects_garbage():
    with pytest.raises(APIParsingError):
        sqlfluff.parse("DELETE dw.fact WHERE = ;\n", dialect="redshift")


def test_one_day_is_replaced_not_appended():
    sqls = f.build_statements("2026-11-24", "proc-b", "raw-b", ROLE, ALL)
    assert len(sqls) == 12
    assert sqls[:4] == [
        "DELETE FROM staging.sensor_reading",
        "COPY staging.sensor_reading FROM 's3://proc-b/sensor_readings/dt=2026-11-24/' IAM_ROLE "
        "'arn:aws:iam::123456789012:role/WarehouseRole' FORMAT AS PARQUET",
        "DELETE FROM dw.fact_sensor_reading WHERE reading_date = CAST('2026-11-24' AS DATE)",
        "INSERT INTO dw.fact_sensor_reading (device_id, reading_ts, reading_date, temperature, motor_speed_rpm, "
        "rvibration_temp, rvibration_z_rms_velocity, pressure, loaded_at) SELECT device_id, reading_ts, "
        "CAST('2026-11-24' AS DATE), temperature, motor_speed_rpm, rvibration_temp, rvibration_z_rms_velocity, "
        "pressure, GETDATE() FROM staging.sensor_reading",
    ]
    # every fact table: its DELETE of the date comes before its INSERT (delete-then-insert in one transaction)
    for fact in ("dw.fact_sensor_reading", "dw.fact_production", "dw.fact_daily_retail_sales"):
        d = next(i for i, s in enumerate(sqls) if s.startswith(f"DELETE FROM {fact} WHERE"))
        ins = next(i for i, s in enumerate(sqls) if s.startswith(f"INSERT INTO {fact}"))
        assert d < ins
    assert any("s3://raw-b/batch/retail_sales/dt=2026-11-24/" in s and "IGNOREHEADER 1" in s for s in sqls)
    assert "TRUNCATE" not in " ".join(sqls)  # TRUNCATE commits implicitly and would break the transaction


def test_missing_batch_source_is_left_alone():
    sqls = f.build_statements("2026-11-24", "proc-b", "raw-b", ROLE, {"sensor_readings": True})
    assert not any("production" in s or "retail" in s for s in sqls)


@pytest.mark.parametrize(
    "args, msg",
    [
        (("2026-11-31", "proc-b", "raw-b", ROLE), "not a calendar date"),
        (("2026-11-24", "Proc_B", "raw-b", ROLE), "not an S3 bucket name"),
        (("2026-11-24", "proc-b", "raw-b", "role'; DROP TABLE x; --"), "not an IAM role ARN"),
    ],
)
def test_bad_arguments(args, msg):
    with pytest.raises(ValueError, match=msg):
        f.build_statements(*args, ALL)


def test_connection_from_secret():
    s = json.dumps({"username": "etl_user", "password": "x", "dbClusterIdentifier": "dw1", "dbname": "factory"})
    assert f.connection_from_secret(s, "arg-cluster", "arg-db") == {
        "cluster_identifier": "dw1",
        "database": "factory",
        "username": "etl_user",
    }
    plain = json.dumps({"username": "etl_user", "password": "x"})
    assert f.connection_from_secret(plain, "c", "d")["cluster_identifier"] == "c"
    with pytest.raises(ValueError, match="lacks password"):
        f.connection_from_secret(json.dumps({"username": "u"}), "c", "d")
    with pytest.raises(ValueError, match="not JSON"):
        f.connection_from_secret("user:pass", "c", "d")


class FakeDataApi:
    """Plays DescribeStatement statuses in order (the shapes of the Data API responses)."""

    def __init__(self, statuses, error=None):
        self.statuses = list(statuses)
        self.error = error
        self.calls = []

    def batch_execute_statement(self, **kw):
        self.calls.append(("batch", kw))
        return {"Id": "stmt-1"}

    def describe_statement(self, Id):
        self.calls.append(("describe", Id))
        status = self.statuses.pop(0)
        out = {"Id": Id, "Status": status}
        if status in ("FAILED", "ABORTED"):
            out["Error"] = self.error
            out["SubStatements"] = [{"Id": "stmt-1:1", "Status": "FINISHED"}, {"Id": "stmt-1:2", "Status": status}]
        return out


def run(api, **kw):
    sleeps = []
    kw.setdefault("timeout_seconds", 60)
    res = f.run_batch(api, ["SELECT 1"], cluster_identifier="c", database="d", secret_arn="s", statement_name="n",
                      poll_seconds=5, sleep=sleeps.append, log=lambda m: None, **kw)
    return res, sleeps


def test_polls_until_finished():
    api = FakeDataApi(["SUBMITTED", "PICKED", "STARTED", "FINISHED"])
    res, sleeps = run(api)
    assert res["Status"] == "FINISHED" and sleeps == [5, 5, 5]
    assert api.calls[0] == ("batch", {"ClusterIdentifier": "c", "Database": "d", "SecretArn": "s",
                                      "Sqls": ["SELECT 1"], "StatementName": "n"})


def test_failed_statement_raises_with_its_error():
    api = FakeDataApi(["STARTED", "FAILED"], error='ERROR: relation "staging.production" does not exist')
    with pytest.raises(f.StatementFailed, match=r'FAILED at sub-statement stmt-1:2: ERROR: relation "staging'):
        run(api)


def test_times_out():
    with pytest.raises(TimeoutError, match="still STARTED after 10s"):
        run(FakeDataApi(["STARTED"] * 5), timeout_seconds=10)
