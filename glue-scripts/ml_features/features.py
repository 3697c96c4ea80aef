"""Pure parts of the ml_features job: labels from maintenance events, the 80/20 split by time, the CSV layout of
SageMaker's built-in XGBoost (label first, no header, missing value = empty field) and the manifest (docs/contracts.md).
pandas only; no AWS or Spark imports.
"""
import datetime as _dt
import json
import re

import pandas as pd

FEATURE_ORDER = ["temperature", "motor_speed_rpm", "rvibration_temp", "rvibration_z_rms_velocity", "pressure"]
LABEL = "failure_within_horizon"
TRAIN_FRACTION = 0.8
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_PREFIX = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/((?:[^/]+/)+)$")


def parse_feature_order(text):
    """`--feature_order a,b,c` (the CDK stack passes SENSOR_FIELDS of @smart-factory/schema)."""
    order = [x.strip() for x in (text or "").split(",") if x.strip()]
    if not order or len(set(order)) != len(order):
        raise ValueError(f"feature_order must be distinct comma-separated column names, got {text!r}")
    return order


def validate_run_id(run_id):
    if not isinstance(run_id, str) or not _RUN_ID.match(run_id):
        raise ValueError(f"run_id must be 1-128 characters of [A-Za-z0-9_.-], got {run_id!r}")
    return run_id


def parse_output_prefix(prefix, run_id):
    """`s3://<bucket>/<key>/` -> (bucket, key). The contract says the prefix ends in `run=<run_id>/`."""
    m = _PREFIX.match(prefix or "")
    if not m:
        raise ValueError(f"output_prefix must look like s3://bucket/ml/features/run=<id>/, got {prefix!r}")
    if not m.group(2).endswith(f"run={run_id}/"):
        raise ValueError(f"output_prefix {prefix!r} must end with run={run_id}/")
    return m.group(1), m.group(2)


def lookback_dates(end_date, days):
    """The `dt` partitions read: `days` dates ending with `end_date` (inclusive), oldest first."""
    end = _dt.date.fromisoformat(end_date)
    if not isinstance(days, int) or days < 1:
        raise ValueError(f"lookback days must be a positive whole number, got {days!r}")
    return [(end - _dt.timedelta(days=d)).isoformat() for d in range(days - 1, -1, -1)]


def _utc(series):
    s = pd.to_datetime(series, utc=True)
    return s.dt.tz_localize(None)


def label_readings(readings, failures, horizon_hours):
    """Adds `failure_within_horizon` = 1 when the same device has a failure in (ts, ts + horizon], else 0.

    readings: device_id, ts, feature columns. failures: device_id, failure_ts. Returns a new frame sorted by ts."""
    if horizon_hours <= 0:
        raise ValueError(f"horizon_hours must be positive, got {horizon_hours!r}")
    r = readings.copy()
    r["ts"] = _utc(r["ts"])
    r = r.sort_values("ts", kind="mergesort").reset_index(drop=True)
    r["device_id"] = r["device_id"].astype(str)
    f = failures[["device_id", "failure_ts"]].copy()
    f["device_id"] = f["device_id"].astype(str)
    f["failure_ts"] = _utc(f["failure_ts"])
    f = f.dropna().sort_values("failure_ts", kind="mergesort")
    # next failure strictly after each reading, per device
    nxt = pd.merge_asof(
        r[["ts", "device_id"]].reset_index(),
        f.rename(columns={"failure_ts": "next_failure"}).assign(ts=lambda d: d["next_failure"]),
        on="ts",
        by="device_id",
        direction="forward",
        allow_exact_matches=False,
    ).set_index("index")
    delta = nxt["next_failure"] - nxt["ts"]
    horizon = pd.Timedelta(hours=horizon_hours)
    r[LABEL] = ((delta.notna()) & (delta <= horizon)).astype(int).reindex(r.index).values
    return r


def split_by_time(labelled, train_fraction=TRAIN_FRACTION):
    """Train = readings before `split_ts`, validation = from `split_ts` on, where split_ts is the reading time at the
    `train_fraction` quantile of the time-sorted rows. No reading time is in both sets (no leakage across the split)."""
    n = len(labelled)
    if n < 10:
        raise ValueError(f"need at least 10 labelled readings to split 80/20, got {n}")
    ordered = labelled.sort_values("ts", kind="mergesort").reset_index(drop=True)
    split_ts = ordered["ts"].iloc[int(n * train_fraction)]
    train = ordered[ordered["ts"] < split_ts]
    validation = ordered[ordered["ts"] >= split_ts]
    if train.empty or validation.empty:
        raise ValueError("all readings share one timestamp; cannot split by time")
    return train, validation, split_ts


def to_xgboost_csv(frame, feature_order):
    """Label first, then the features in `feature_order`; no header, no index; missing = empty field."""
    missing = [c for c in [LABEL, *feature_order] if c not in frame.columns]
    if missing:
        raise ValueError(f"columns missing from the feature frame: {missing}")
    out = frame[[LABEL, *feature_order]].copy()
    out[LABEL] = out[LABEL].astype(int)
    return out.to_csv(header=False, index=False, na_rep="", float_format="%.10g", lineterminator="\n")


def build_manifest(*, feature_order, horizon_hours, train_rows, validation_rows, split_ts, run_id):
    ts = pd.Timestamp(split_ts)
    return {
        "feature_order": list(feature_order),
        "label": LABEL,
        "horizon_hours": horizon_hours,
        "train_rows": int(train_rows),
        "validation_rows": int(validation_rows),
        "split_ts": ts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "run_id": run_id,
    }


def manifest_json(manifest):
    return json.dumps(manifest, indent=2, sort_keys=False) + "\n"
