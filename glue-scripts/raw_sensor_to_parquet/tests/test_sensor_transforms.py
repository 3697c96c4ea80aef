import datetime as dt
import json

import pytest

import sensor_transforms as t

GOOD = {
    "device_id": "press-01",
    "ts": "2026-11-24T23:59:59.123456789Z",
    "temperature": 71.5,
    "motor_speed_rpm": 1480,
    "rvibration_temp": 40.25,
    "rvibration_z_rms_velocity": 2.5,
    "pressure": 6.1,
}


def test_mapping_covers_every_sensor_column_in_contract_order():
    assert [m[2] for m in t.APPLY_MAPPING] == list(t.OUTPUT_COLUMNS)
    assert t.OUTPUT_COLUMNS == (
        "device_id",
        "ts",
        "temperature",
        "motor_speed_rpm",
        "rvibration_temp",
        "rvibration_z_rms_velocity",
        "pressure",
    )
    # the seed's two mapped columns keep their double -> double mapping
    assert ("rvibration_temp", "double", "rvibration_temp", "double") in t.APPLY_MAPPING
    assert ("rvibration_z_rms_velocity", "double", "rvibration_z_rms_velocity", "double") in t.APPLY_MAPPING


def test_normalize_good_record_matches_datetime_parsing():
    row, err = t.normalize_record(dict(GOOD, extra="dropped"))
    assert err is None
    assert set(row) == set(t.OUTPUT_COLUMNS)
    # oracle: Python's own ISO parser on the same instant (truncated to microseconds)
    expected = dt.datetime.fromisoformat("2026-11-24T23:59:59.123456+00:00").strftime("%Y-%m-%d %H:%M:%S.%f")
    assert row["ts"] == expected
    assert row["motor_speed_rpm"] == 1480.0 and isinstance(row["motor_speed_rpm"], float)


def test_missing_optional_pressure_is_null_and_required_field_rejects():
    row, err = t.normalize_record({k: v for k, v in GOOD.items() if k != "pressure"})
    assert err is None and row["pressure"] is None
    row, err = t.normalize_record({k: v for k, v in GOOD.items() if k != "temperature"})
    assert row is None and err == "temperature is required"


def test_make_struct_choice_is_unwrapped():
    rec = dict(GOOD, temperature={"double": None, "string": "72.5"}, rvibration_temp={"double": 39.0, "string": None})
    row, err = t.normalize_record(rec)
    assert err is None
    assert (row["temperature"], row["rvibration_temp"]) == (72.5, 39.0)


@pytest.mark.parametrize(
    "patch, reason",
    [
        ({"device_id": "bad id"}, "device_id must be"),
        ({"ts": "2026-11-24 10:00:00"}, "ts must be ISO-8601 UTC"),
        ({"ts": "2026-11-24T10:00:00+09:00"}, "ts must be ISO-8601 UTC"),
        ({"ts": "2026-02-30T10:00:00Z"}, "day is out of range"),
        ({"temperature": 401}, "temperature=401.0 is outside"),
        ({"motor_speed_rpm": "fast"}, "motor_speed_rpm must be a number"),
        ({"pressure": float("nan")}, "pressure must be finite"),
        ({"rvibration_z_rms_velocity": True}, "must be a number, got a boolean"),
    ],
)
def test_bad_records_are_rejected_with_reason(patch, reason):
    row, err = t.normalize_record(dict(GOOD, **patch))
    assert row is None
    assert reason in err


def test_contract_select_restores_columns_dropped_as_all_null():
    exprs = t.contract_select_exprs(["device_id", "ts", "temperature", "motor_speed_rpm", "rvibration_temp",
                                     "rvibration_z_rms_velocity"])
    assert exprs[1] == "CAST(ts AS TIMESTAMP) AS ts"
    assert exprs[-1] == "CAST(NULL AS DOUBLE) AS pressure"
    assert [e.rsplit(" AS ", 1)[1] for e in exprs] == list(t.OUTPUT_COLUMNS)


@pytest.mark.parametrize("bad", ["2026-1-01", "2026-13-01", "2026-02-29", "", None, "2026-11-24' OR '1'='1"])
def test_run_date_validation(bad):
    with pytest.raises(ValueError):
        t.validate_run_date(bad)


def test_partition_paths_and_catalog_input():
    assert t.push_down_predicate("2026-11-24") == "dt = '2026-11-24'"
    assert t.raw_partition_location("raw-b", "2026-11-24") == "s3://raw-b/sensor/dt=2026-11-24/"
    assert t.processed_root("proc-b") == "s3://proc-b/sensor_readings/"
    sd = {"Location": "s3://raw-b/sensor/", "InputFormat": "x", "SerdeInfo": {"a": 1}}
    p = t.partition_input(sd, "s3://raw-b/sensor/dt=2026-11-24/", "2026-11-24")
    assert p == {
        "Values": ["2026-11-24"],
        "StorageDescriptor": {"Location": "s3://raw-b/sensor/dt=2026-11-24/", "InputFormat": "x", "SerdeInfo": {"a": 1}},
    }
    assert sd["Location"] == "s3://raw-b/sensor/"  # the table's descriptor is not mutated
    json.dumps(p)
