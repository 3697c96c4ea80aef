"""Pure parts of the ml_features job: labels from maintenance events, the 80/20 split by time, the CSV layout of
SageMaker's built-in XGBoost (label first, no header, missing value = `nan`, every row as wide as the manifest's
feature order) and the manifest (docs/contracts.md). pandas only; no AWS or Spark imports.

Runs on Glue Python shell 3.9 with the `analytics` library set: pandas 1.4.2, numpy 1.22.3 (docs/etl.md). Use only
what those versions offer (e.g. `to_csv` has no `lineterminator` keyword before pandas 1.5).
"""
import datetime as _dt
import json
import re
from zoneinfo import ZoneInfo

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


def default_end_date(now_utc, time_zone):
    """Yesterday in the platform time zone (`dt` partitions are local dates, docs/etl.md "Partition dates")."""
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be timezone-aware")
    return (now_utc.astimezone(ZoneInfo(time_zone)).date() - _dt.timedelta(days=1)).isoformat()


def label_cutoff(end_date, time_zone, horizon_hours):
    """The last reading time (UTC, naive) whose label is known: the maintenance log covers failures up to the end of
    the local day `end_date`, and a reading's label looks `horizon_hours` ahead, so readings after
    (end of end_date) - horizon would be labelled 0 only because their failure is not logged yet (right-censored)."""
    day_end = _dt.datetime.combine(_dt.date.fromisoformat(end_date) + _dt.timedelta(days=1), _dt.time(0),
                                   tzinfo=ZoneInfo(time_zone))
    cutoff = day_end.astimezone(_dt.timezone.utc).replace(tzinfo=None) - _dt.timedelta(hours=horizon_hours)
    return pd.Timestamp(cutoff)


def drop_censored(labelled, cutoff):
    """Only readings with ts <= cutoff (see `label_cutoff`)."""
    return labelled[labelled["ts"] <= cutoff].reset_index(drop=True)


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


def class_counts(frame):
    """(positives, negatives) of the label."""
    pos = int(frame[LABEL].sum())
    return pos, int(len(frame) - pos)


def require_both_classes(train, validation):
    """XGBoost's AUC is undefined on one class (`validation-auc:nan`), so each split must hold failures and
    non-failures. Fails early, with the counts, instead of a misleading 'no validation:auc metric' later."""
    counts = {"train": class_counts(train), "validation": class_counts(validation)}
    bad = [n for n, (p, q) in counts.items() if p == 0 or q == 0]
    if bad:
        detail = "; ".join(f"{n}: {p} positive, {q} negative" for n, (p, q) in counts.items())
        raise ValueError(
            f"{' and '.join(bad)} split has a single class ({detail}); AUC needs both. Widen --lookback_days or"
            " check that batch/maintenance/ holds the failures of the window"
        )
    return counts


def to_xgboost_csv(frame, feature_order):
    """Label first, then the features in `feature_order`; no header, no index; missing = `nan`.

    `nan`, not an empty field: XGBoost's CSV parser (libxgboost 1.7, what SageMaker's 1.7-1 container uses for
    text/csv) drops trailing empty fields, so an optional last feature missing from every row would shrink the matrix
    to fewer columns than the manifest's feature order; `nan` keeps every column and is read as missing. Every line is
    checked to have 1 + len(feature_order) fields."""
    missing = [c for c in [LABEL, *feature_order] if c not in frame.columns]
    if missing:
        raise ValueError(f"columns missing from the feature frame: {missing}")
    out = frame[[LABEL, *feature_order]].copy()
    out[LABEL] = out[LABEL].astype(int)
    # no line terminator keyword: pandas 1.4 calls it line_terminator, 1.5+ lineterminator; the default is os.linesep,
    # which is "\n" on Glue's Linux
    text = out.to_csv(header=False, index=False, na_rep="nan", float_format="%.10g")
    assert_csv_width(text, 1 + len(feature_order))
    return text


def assert_csv_width(text, width):
    """Every line of `text` has exactly `width` comma-separated, non-empty fields."""
    for n, line in enumerate(text.splitlines(), 1):
        fields = line.split(",")
        if len(fields) != width or any(f == "" for f in fields):
            raise ValueError(f"CSV line {n} has {len(fields)} fields (empty ones: {fields.count('')}), want {width}")


def build_manifest(*, feature_order, horizon_hours, train_rows, validation_rows, split_ts, run_id,
                   train_positives=None, validation_positives=None, readings_until=None):
    ts = pd.Timestamp(split_ts)
    manifest = {
        "feature_order": list(feature_order),
        "label": LABEL,
        "horizon_hours": horizon_hours,
        "train_rows": int(train_rows),
        "validation_rows": int(validation_rows),
        "split_ts": _iso_z(ts),
        "run_id": run_id,
    }
    if train_positives is not None:
        manifest["train_positives"] = int(train_positives)
    if validation_positives is not None:
        manifest["validation_positives"] = int(validation_positives)
    if readings_until is not None:
        manifest["readings_until"] = _iso_z(pd.Timestamp(readings_until))
    return manifest


def _iso_z(ts):
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def manifest_json(manifest):
    return json.dumps(manifest, indent=2, sort_keys=False) + "\n"
