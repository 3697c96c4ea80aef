"""Pure parts of the etl_daily_fact job (the seed's ETL_Daily_Fact_Retail_sales): the connection from the ETL
secret, the SQL of one run date, and the Redshift Data API execute/poll loop with an injected client.

One run date = one BatchExecuteStatement = one transaction: clear staging, COPY the day's files into staging,
delete the date's facts, insert them from staging. A rerun of the same date replaces the date's rows (never doubles);
any failing statement rolls the whole day back.
"""
import datetime
import json
import re
import time

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")

SENSOR_COLUMNS = (
    "device_id",
    "reading_ts",
    "temperature",
    "motor_speed_rpm",
    "rvibration_temp",
    "rvibration_z_rms_velocity",
    "pressure",
)
PRODUCTION_COLUMNS = ("production_date", "line_id", "device_id", "product_code", "units_produced", "units_defective")
RETAIL_COLUMNS = ("sales_date", "store_id", "product_code", "quantity", "revenue_krw")

# source name -> (lake zone, prefix under the zone bucket) of the day's files
SOURCES = {
    "sensor_readings": ("processed", "sensor_readings/"),
    "production": ("raw", "batch/production/"),
    "retail_sales": ("raw", "batch/retail_sales/"),
}

TERMINAL_OK = "FINISHED"
TERMINAL_BAD = ("FAILED", "ABORTED")


class StatementFailed(RuntimeError):
    """A Data API statement ended FAILED or ABORTED (message = the statement's error)."""


def validate_run_date(value):
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError(f"run_date must be YYYY-MM-DD, got {value!r}")
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"run_date {value!r} is not a calendar date") from None
    return value


def connection_from_secret(secret_string, cluster_identifier, database):
    """The seed's job took its Redshift connection from Secrets Manager. The ETL secret is JSON
    {username, password, [dbClusterIdentifier], [dbname], ...}; the Data API authenticates with the secret itself, so
    here we only check it is usable and let the secret's cluster/database win over the job arguments when present."""
    try:
        secret = json.loads(secret_string)
    except (TypeError, ValueError):
        raise ValueError("the ETL secret is not JSON; expected {username, password, ...}") from None
    if not isinstance(secret, dict):
        raise ValueError("the ETL secret must be a JSON object with username and password")
    missing = [k for k in ("username", "password") if not secret.get(k)]
    if missing:
        raise ValueError(f"the ETL secret lacks {', '.join(missing)}")
    return {
        "cluster_identifier": secret.get("dbClusterIdentifier") or cluster_identifier,
        "database": secret.get("dbname") or database,
        "username": secret["username"],
    }


def source_prefix(source, run_date):
    """Key prefix (no bucket) of one source's files for the run date."""
    return f"{SOURCES[source][1]}dt={validate_run_date(run_date)}/"


def _lit(value):
    return "'" + str(value).replace("'", "''") + "'"


def build_statements(run_date, processed_bucket, raw_bucket, copy_role_arn, present):
    """The SQL of one run date, in order. `present` maps source name -> whether the day's files exist; a source with no
    files is left alone (its facts for the date are neither deleted nor reloaded: nothing is lost when a batch file
    arrives late; the rerun after it arrives loads it)."""
    run_date = validate_run_date(run_date)
    for b in (processed_bucket, raw_bucket):
        if not _BUCKET.match(b or ""):
            raise ValueError(f"not an S3 bucket name: {b!r}")
    if not _ROLE_ARN.match(copy_role_arn or ""):
        raise ValueError(f"not an IAM role ARN: {copy_role_arn!r}")
    buckets = {"processed": processed_bucket, "raw": raw_bucket}
    day = f"CAST({_lit(run_date)} AS DATE)"
    role = _lit(copy_role_arn)

    def url(source):
        return _lit(f"s3://{buckets[SOURCES[source][0]]}/{source_prefix(source, run_date)}")

    sqls = []
    if present.get("sensor_readings"):
        values = ", ".join(SENSOR_COLUMNS[2:])
        sqls += [
            "DELETE FROM staging.sensor_reading",
            f"COPY staging.sensor_reading FROM {url('sensor_readings')} IAM_ROLE {role} FORMAT AS PARQUET",
            f"DELETE FROM dw.fact_sensor_reading WHERE reading_date = {day}",
            f"INSERT INTO dw.fact_sensor_reading (device_id, reading_ts, reading_date, {', '.join(SENSOR_COLUMNS[2:])},"
            f" loaded_at) SELECT device_id, reading_ts, {day}, {values}, GETDATE() FROM staging.sensor_reading",
        ]
    for source, table, fact, date_col, columns in (
        ("production", "staging.production", "dw.fact_production", "production_date", PRODUCTION_COLUMNS),
        ("retail_sales", "staging.retail_sales", "dw.fact_daily_retail_sales", "sales_date", RETAIL_COLUMNS),
    ):
        if not present.get(source):
            continue
        cols = ", ".join(columns)
        sqls += [
            f"DELETE FROM {table}",
            f"COPY {table} ({cols}) FROM {url(source)} IAM_ROLE {role} FORMAT AS CSV IGNOREHEADER 1"
            " DATEFORMAT 'YYYY-MM-DD' EMPTYASNULL",
            f"DELETE FROM {fact} WHERE {date_col} = {day}",
            f"INSERT INTO {fact} ({cols}, loaded_at) SELECT {cols}, GETDATE() FROM {table} WHERE {date_col} = {day}",
        ]
    return sqls


def run_batch(client, sqls, *, cluster_identifier, database, secret_arn, statement_name, poll_seconds=5.0,
              timeout_seconds=3600.0, sleep=time.sleep, log=print):
    """BatchExecuteStatement (one transaction) and poll DescribeStatement until FINISHED. FAILED/ABORTED raise
    StatementFailed with the statement's error; no final status within `timeout_seconds` raises TimeoutError."""
    if not sqls:
        raise ValueError("nothing to run: no source has files for this date")
    started = client.batch_execute_statement(
        ClusterIdentifier=cluster_identifier,
        Database=database,
        SecretArn=secret_arn,
        Sqls=list(sqls),
        StatementName=statement_name,
    )
    statement_id = started["Id"]
    log(f"statement {statement_id} submitted ({len(sqls)} SQL statements, one transaction)")
    waited = 0.0
    while True:
        desc = client.describe_statement(Id=statement_id)
        status = desc["Status"]
        if status == TERMINAL_OK:
            log(f"statement {statement_id} finished after {waited:.0f}s")
            return desc
        if status in TERMINAL_BAD:
            failed_sub = next((s for s in desc.get("SubStatements", []) if s.get("Status") in TERMINAL_BAD), None)
            where = f" at sub-statement {failed_sub['Id']}" if failed_sub else ""
            raise StatementFailed(f"statement {statement_id} {status}{where}: {desc.get('Error', 'no error text')}")
        if waited >= timeout_seconds:
            raise TimeoutError(f"statement {statement_id} still {status} after {waited:.0f}s")
        log(f"statement {statement_id} {status}; waiting {poll_seconds:.0f}s")
        sleep(poll_seconds)
        waited += poll_seconds
