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


# pandas 1.4.2 (Glue Python shell 3.9, library set analytics) DataFrame.to_csv keywords; `lineterminator` is 1.5+
PANDAS_142_TO_CSV = {
    "path_or_buf", "sep", "na_rep", "float_format", "columns", "header", "index", "index_label", "mode", "encoding",
    "compression", "quoting", "quotechar", "line_terminator", "chunksize", "date_format", "doublequote", "escapechar",
    "decimal", "errors", "storage_options",
}


def test_csv_uses_only_to_csv_keywords_of_glue_pandas_1_4(monkeypatch):
    seen = []
    real = pd.DataFrame.to_csv

    def to_csv_142(self, *args, **kwargs):
        unknown = set(kwargs) - PANDAS_142_TO_CSV
        if unknown:
            raise TypeError(f"to_csv() got an unexpected keyword argument {sorted(unknown)[0]!r} (pandas 1.4.2)")
        seen.append(sorted(kwargs))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv_142)
    lab = ft.label_readings(readings(), pd.DataFrame({"device_id": [], "failure_ts": []}), 4)
    text = ft.to_xgboost_csv(lab, ORDER)
    assert seen and text.endswith("\n") and "\r" not in text


def write(tmp_path, name, text):
    path = tmp_path / f"{name}.csv"
    path.write_text(text)
    return path


def test_a_fully_missing_optional_last_feature_keeps_the_width_and_trains(tmp_path):
    """No train row has pressure, some validation rows do: the container's CSV loader (label_column=0) must see the
    manifest's 5 features in both channels, and training with a validation set must work."""
    failures = pd.DataFrame({"device_id": ["d1", "d1"], "failure_ts": ["2026-11-01T04:00:00Z", "2026-11-01T18:00:00Z"]})
    lab = ft.label_readings(readings(), failures, 4)
    train, val, _ = ft.split_by_time(lab)
    train = train.assign(pressure=None)
    t_path = write(tmp_path, "train", ft.to_xgboost_csv(train, ORDER))
    v_path = write(tmp_path, "validation", ft.to_xgboost_csv(val, ORDER))
    assert "nan" in t_path.read_text().splitlines()[0]
    dtrain = xgb.DMatrix(f"{t_path}?format=csv&label_column=0")
    dval = xgb.DMatrix(f"{v_path}?format=csv&label_column=0")
    assert dtrain.num_col() == dval.num_col() == len(ORDER)
    booster = xgb.train({"objective": "binary:logistic", "eval_metric": "auc"}, dtrain, 2,
                        evals=[(dtrain, "train"), (dval, "validation")], verbose_eval=False)
    assert booster.num_features() == len(ORDER)
    # neither channel has pressure: the model still has the manifest's 5 features
    both = write(tmp_path, "both", ft.to_xgboost_csv(lab.assign(pressure=None), ORDER))
    assert xgb.DMatrix(f"{both}?format=csv&label_column=0").num_col() == len(ORDER)


def test_every_written_line_is_checked_for_its_width():
    ft.assert_csv_width("0,1,2\n1,nan,3\n", 3)
    with pytest.raises(ValueError, match="line 2 has 2 fields"):
        ft.assert_csv_width("0,1,2\n1,2\n", 3)
    with pytest.raises(ValueError, match="empty ones: 1"):
        ft.assert_csv_width("0,1,\n", 3)


def test_a_split_with_one_class_fails_early_with_the_counts():
    failures = pd.DataFrame({"device_id": ["d1"], "failure_ts": ["2026-11-01T04:00:00Z"]})
    train, val, _ = ft.split_by_time(ft.label_readings(readings(), failures, 4))
    with pytest.raises(ValueError, match=r"validation split has a single class \(train: 2 positive, 14 negative;"
                                         r" validation: 0 positive, 4 negative\)"):
        ft.require_both_classes(train, val)
    failures = pd.DataFrame({"device_id": ["d1", "d2"], "failure_ts": ["2026-11-01T04:00:00Z", "2026-11-01T18:00:00Z"]})
    train, val, _ = ft.split_by_time(ft.label_readings(readings(), failures, 4))
    assert ft.require_both_classes(train, val) == {"train": (3, 13), "validation": (1, 3)}
    m = ft.build_manifest(feature_order=ORDER, horizon_hours=4, train_rows=16, validation_rows=4, split_ts=val["ts"].min(),
                          run_id="r1", train_positives=3, validation_positives=1,
                          readings_until=pd.Timestamp("2026-11-01 20:00"))
    assert (m["train_positives"], m["validation_positives"], m["readings_until"]) == (3, 1, "2026-11-01T20:00:00.000Z")


def test_readings_within_one_horizon_of_the_log_coverage_end_are_dropped():
    # end_date 2026-11-01 in Seoul ends at 2026-11-01T15:00Z; minus 4 h -> 11:00Z
    cutoff = ft.label_cutoff("2026-11-01", "Asia/Seoul", 4)
    assert cutoff == pd.Timestamp("2026-11-01 11:00:00")
    lab = ft.label_readings(readings(), pd.DataFrame({"device_id": [], "failure_ts": []}), 4)
    kept = ft.drop_censored(lab, cutoff)
    assert kept["ts"].max() == pd.Timestamp("2026-11-01 11:00:00") and len(kept) == 12
    assert ft.label_cutoff("2026-11-01", "UTC", 24) == pd.Timestamp("2026-11-01 00:00:00")


def test_yesterday_is_a_date_of_the_platform_time_zone():
    import datetime as dt
    # Sunday 03:00 KST = Saturday 18:00 UTC: yesterday (local) is Saturday, not Friday
    now = dt.datetime(2026, 11, 7, 18, 0, tzinfo=dt.timezone.utc)
    assert ft.default_end_date(now, "Asia/Seoul") == "2026-11-07"
    assert ft.default_end_date(now, "UTC") == "2026-11-06"
    with pytest.raises(ValueError):
        ft.default_end_date(dt.datetime(2026, 11, 7), "UTC")
