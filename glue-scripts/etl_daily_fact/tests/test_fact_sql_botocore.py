"""The Data API loop against a real boto3 `redshift-data` client with botocore's Stubber: botocore validates every
request against the service model (parameter names and types) and every canned response against its output shape."""
import datetime

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.stub import Stubber  # noqa: E402

import fact_sql as f  # noqa: E402

ARGS = dict(cluster_identifier="smartfactory-dw", database="smartfactory",
            secret_arn="arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:etl-AbCdEf",
            statement_name="etl_daily_fact-2026-11-24")
SQLS = f.build_statements("2026-11-24", "proc-b", "raw-b", "arn:aws:iam::111122223333:role/wh",
                          {"sensor_readings": True, "production": True})
NOW = datetime.datetime(2026, 11, 25, 1, 20)


def client():
    return boto3.client("redshift-data", region_name="ap-northeast-2", aws_access_key_id="x",
                        aws_secret_access_key="x")


def describe(status, **extra):
    return {"Id": "s-1", "Status": status, "CreatedAt": NOW, "UpdatedAt": NOW, "HasResultSet": False, **extra}


def test_batch_request_and_polling_match_the_service_model():
    c = client()
    with Stubber(c) as stub:
        stub.add_response("batch_execute_statement",
                          {"Id": "s-1", "ClusterIdentifier": "smartfactory-dw", "Database": "smartfactory",
                           "CreatedAt": NOW},
                          {"ClusterIdentifier": "smartfactory-dw", "Database": "smartfactory",
                           "SecretArn": ARGS["secret_arn"], "Sqls": SQLS, "StatementName": ARGS["statement_name"]})
        for status in ("SUBMITTED", "STARTED", "FINISHED"):
            stub.add_response("describe_statement", describe(status), {"Id": "s-1"})
        sleeps = []
        out = f.run_batch(c, SQLS, poll_seconds=5, sleep=sleeps.append, log=lambda m: None, **ARGS)
        stub.assert_no_pending_responses()
    assert out["Status"] == "FINISHED" and sleeps == [5, 5]


def test_failed_sub_statement_error_is_raised():
    c = client()
    error = "ERROR: Spectrum Scan Error ... S3 access denied"
    with Stubber(c) as stub:
        stub.add_response("batch_execute_statement", {"Id": "s-1", "CreatedAt": NOW})
        stub.add_response("describe_statement", describe(
            "FAILED", Error=error,
            SubStatements=[{"Id": "s-1:1", "Status": "FINISHED"}, {"Id": "s-1:2", "Status": "FAILED"}]))
        with pytest.raises(f.StatementFailed, match=r"FAILED at sub-statement s-1:2: ERROR: Spectrum Scan Error"):
            f.run_batch(c, SQLS, sleep=lambda s: None, log=lambda m: None, **ARGS)


def test_service_errors_surface_unchanged():
    c = client()
    with Stubber(c) as stub:
        stub.add_client_error("batch_execute_statement", "ActiveStatementsExceededException", "too many")
        with pytest.raises(c.exceptions.ActiveStatementsExceededException):
            f.run_batch(c, SQLS, sleep=lambda s: None, log=lambda m: None, **ARGS)
