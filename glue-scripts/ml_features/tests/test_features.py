import io

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

import features as ft

ORDER = ft.FEATURE_ORDER


def readings(n=20):
    base = pd.Timestamp("2026-11-01T00:00:00Z")
    rows = []
    for i in range(n):
        rows.append({
            "device_id": "d1" if i % 2 == 0 else "d2",
            "ts": (base + pd.Timedelta(hours=i)).isoformat(),
            "temperature": 60.0 + i,
            "motor_speed_rpm": 1500.0,
            "rvibration_temp": 40.0,
            "rvibration_z_rms_velocity": 1.0 + i / 10,
            "pressure": None if i % 3 == 0 else 5.5,
        })
    return pd.DataFrame(rows)


def test_labels_are_per_device_and_within_the_horizon():
    failures = pd.DataFrame({"device_id": ["d1"], "failure_ts": ["2026-11-01T10:00:00Z"]})
    lab = ft.label_readings(readings(), failures, horizon_hours=4)
    got = {(r.device_id, r.ts.hour) for r in lab.itertuples() if getattr(r, ft.LABEL) == 1}
    # d1 reads at even hours; failure at 10:00 -> readings at 6, 8 (within 4 h, strictly before) are positive;
    # the reading at 10:00 itself is not (failure must be after the reading); d2 is never positive
    assert got == {("d1", 6), ("d1", 8)}


def test_time_split_has_no_overlap_and_is_80_20():
    lab = ft.label_readings(readings(), pd.DataFrame({"device_id": [], "failure_ts": []}), 24)
    train, val, split_ts = ft.split_by_time(lab)
    assert (len(train), len(val)) == (16, 4)
    assert train["ts"].max() < split_ts <= val["ts"].min()


def test_split_rejects_tiny_sets():
    with pytest.raises(ValueError, match="at least 10"):
        ft.split_by_time(readings(5).assign(ts=pd.Timestamp("2026-11-01")))


def test_csv_is_read_by_xgboost_as_label_first_without_header(tmp_path):
    failures = pd.DataFrame({"device_id": ["d1"], "failure_ts": ["2026-11-01T10:00:00Z"]})
    lab = ft.label_readings(readings(), failures, 4)
    text = ft.to_xgboost_csv(lab, ORDER)
    assert not text.startswith(ft.LABEL)  # no header
    path = tmp_path / "train.csv"
    path.write_text(text)
    # oracle: xgboost's own CSV loader in SageMaker's convention (label column 0)
    dm = xgb.DMatrix(f"{path}?format=csv&label_column=0")
    assert dm.num_row() == 20 and dm.num_col() == len(ORDER)
    assert list(dm.get_label()) == list(lab[ft.LABEL].astype(float))
    # missing pressure (every 3rd reading) is an empty field -> NaN for xgboost, not 0
    back = pd.read_csv(io.StringIO(text), header=None)
    assert back[5].isna().sum() == 7 and np.allclose(back[1], lab["temperature"])


def test_manifest_matches_the_contract():
    m = ft.build_manifest(feature_order=ORDER, horizon_hours=24, train_rows=16, validation_rows=4,
                          split_ts=pd.Timestamp("2026-11-01 16:00:00"), run_id="r1")
    assert list(m) == ["feature_order", "label", "horizon_hours", "train_rows", "validation_rows", "split_ts", "run_id"]
    assert m["feature_order"] == ["temperature", "motor_speed_rpm", "rvibration_temp", "rvibration_z_rms_velocity",
                                  "pressure"]
    assert m["label"] == "failure_within_horizon" and m["split_ts"] == "2026-11-01T16:00:00.000Z"


def test_arguments():
    assert ft.parse_output_prefix("s3://cur-b/ml/features/run=r1/", "r1") == ("cur-b", "ml/features/run=r1/")
    with pytest.raises(ValueError, match="must end with run=r2/"):
        ft.parse_output_prefix("s3://cur-b/ml/features/run=r1/", "r2")
    with pytest.raises(ValueError):
        ft.parse_output_prefix("cur-b/ml/", "r1")
    assert ft.lookback_dates("2026-03-01", 3) == ["2026-02-27", "2026-02-28", "2026-03-01"]
    assert ft.parse_feature_order("a, b,c") == ["a", "b", "c"]
    with pytest.raises(ValueError):
        ft.parse_feature_order("a,a")
    with pytest.raises(ValueError):
        ft.validate_run_id("../x")
