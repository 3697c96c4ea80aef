"""Pure transforms of the raw_sensor_to_parquet job: no Spark or Glue imports, so pytest runs them anywhere.

The column list mirrors SENSOR_COLUMNS of @smart-factory/schema (test/etl-python-schema.test.ts fails on drift).
The processed parquet contract (docs/contracts.md): device_id string, ts timestamp, temperature, motor_speed_rpm,
rvibration_temp, rvibration_z_rms_velocity, pressure double, in that order; dt is the partition folder.
"""
import datetime as _dt
import re

# name, required, min, max (numeric columns only carry a range)
SENSOR_COLUMNS = (
    ("device_id", True, None, None),
    ("ts", True, None, None),
    ("temperature", True, -50.0, 400.0),
    ("motor_speed_rpm", True, 0.0, 30000.0),
    ("rvibration_temp", True, -50.0, 400.0),
    ("rvibration_z_rms_velocity", True, 0.0, 1000.0),
    ("pressure", False, 0.0, 1000.0),
)
NUMERIC_COLUMNS = tuple(c[0] for c in SENSOR_COLUMNS if c[2] is not None)
OUTPUT_COLUMNS = tuple(c[0] for c in SENSOR_COLUMNS)
OUTPUT_TYPES = {"device_id": "string", "ts": "timestamp", **{c: "double" for c in NUMERIC_COLUMNS}}

# The seed's ApplyMapping, extended to every sensor column: (source, source type, target, target type). ts stays a
# string here; normalize_record turns it into a UTC timestamp text that Spark casts exactly.
APPLY_MAPPING = [("device_id", "string", "device_id", "string"), ("ts", "string", "ts", "string")] + [
    (c, "double", c, "double") for c in NUMERIC_COLUMNS
]

_DEVICE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_ISO_UTC = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def validate_run_date(value):
    """Returns `value` when it is a real calendar date YYYY-MM-DD; raises ValueError naming the bad value."""
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError(f"run_date must be YYYY-MM-DD, got {value!r}")
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"run_date {value!r} is not a calendar date") from None
    return value


def parse_ts(value):
    """ISO-8601 UTC text (`2026-11-25T01:02:03.456Z`) -> `2026-11-25 01:02:03.456000` (what Spark casts in UTC).

    Raises ValueError for anything else (no offsets other than Z: the schema says UTC)."""
    if not isinstance(value, str):
        raise ValueError(f"ts must be a string, got {type(value).__name__}")
    m = _ISO_UTC.match(value)
    if not m:
        raise ValueError(f"ts must be ISO-8601 UTC such as 2026-11-25T01:02:03Z, got {value!r}")
    frac = (m.group(7) or "")[:6].ljust(6, "0")
    parsed = _dt.datetime(*(int(m.group(i)) for i in range(1, 7)), int(frac))
    return parsed.strftime("%Y-%m-%d %H:%M:%S.%f")


def _unwrap_choice(value):
    """ResolveChoice(make_struct) turns an ambiguous column into a struct keyed by type (`{"double": 1.0,
    "string": null}`); take the one member that is set, preferring numbers."""
    if isinstance(value, dict):
        for key in ("double", "float", "long", "int", "string"):
            if value.get(key) is not None:
                return value[key]
        return None
    return value


def _number(name, value):
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got a boolean")
    if isinstance(value, (int, float)):
        x = float(value)
    elif isinstance(value, str):
        try:
            x = float(value.strip())
        except ValueError:
            raise ValueError(f"{name} must be a number, got {value!r}") from None
    else:
        raise ValueError(f"{name} must be a number, got {type(value).__name__}")
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return x


def normalize_record(record):
    """One raw reading (after ApplyMapping / ResolveChoice / DropNullFields) -> the processed row, or the reason it
    is rejected. Returns `(row, None)` or `(None, reason)`; never raises. Unknown fields are dropped."""
    try:
        row = {}
        device_id = _unwrap_choice(record.get("device_id"))
        if not isinstance(device_id, str) or not _DEVICE_ID.match(device_id):
            raise ValueError("device_id must be 1-128 characters of [A-Za-z0-9_.:-]")
        row["device_id"] = device_id
        row["ts"] = parse_ts(_unwrap_choice(record.get("ts")))
        for name, required, lo, hi in SENSOR_COLUMNS[2:]:
            raw = _unwrap_choice(record.get(name))
            if raw is None:
                if required:
                    raise ValueError(f"{name} is required")
                row[name] = None
                continue
            x = _number(name, raw)
            if x < lo or x > hi:
                raise ValueError(f"{name}={x} is outside the plausible range [{lo}, {hi}]")
            row[name] = x
        return row, None
    except ValueError as e:
        return None, str(e)


def contract_select_exprs(present_columns):
    """Spark SQL expressions that give exactly the contract columns in contract order with contract types. A column
    DropNullFields removed (all null that day, e.g. no device has a pressure sensor) comes back as a typed NULL, so
    every partition has the same parquet schema and Redshift's positional COPY keeps working."""
    present = set(present_columns)
    exprs = []
    for name in OUTPUT_COLUMNS:
        t = OUTPUT_TYPES[name]
        source = name if name in present else "NULL"
        exprs.append(f"CAST({source} AS {t.upper()}) AS {name}")
    return exprs


def push_down_predicate(run_date):
    """Catalog partition filter for one run date (the only partition the job reads)."""
    return f"dt = '{validate_run_date(run_date)}'"


def raw_partition_location(raw_bucket, run_date, raw_prefix="sensor/"):
    return f"s3://{raw_bucket}/{raw_prefix}dt={validate_run_date(run_date)}/"


def processed_root(processed_bucket, processed_prefix="sensor_readings/"):
    return f"s3://{processed_bucket}/{processed_prefix}"


def rejects_location(processed_bucket, run_date, rejects_prefix="rejects/sensor/"):
    return f"s3://{processed_bucket}/{rejects_prefix}dt={validate_run_date(run_date)}/"


def partition_input(table_storage_descriptor, location, run_date):
    """Glue CreatePartition input for one `dt` partition of the raw table, inheriting the table's formats/SerDe."""
    sd = dict(table_storage_descriptor)
    sd["Location"] = location
    return {"Values": [validate_run_date(run_date)], "StorageDescriptor": sd}
