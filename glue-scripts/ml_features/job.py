"""Glue Python shell job (Python 3.9, library set `analytics`: pandas, pyarrow, awswrangler): builds the predictive-
maintenance training and validation sets for SageMaker's built-in XGBoost.

Why Python shell and not Spark: the feature set is per-reading sensor values over a bounded lookback window, labelled
with a per-device as-of join (pandas.merge_asof) - a single-node pandas job on 1 DPU (16 GB) is cheaper and starts in
seconds. For windows beyond memory, lower --lookback_days (the ML stack passes the run's window).

Arguments (docs/contracts.md): --run_id, --output_prefix s3://<curated>/ml/features/run=<id>/; the stack also sets
--processed_bucket, --raw_bucket, --feature_order, --horizon_hours, --lookback_days, --time_zone, and optionally
--end_date (a local date; default: yesterday in --time_zone, since `dt` partitions are local dates).

Readings later than (end of end_date) - horizon are not used: their label would need failures not logged yet.
"""
import datetime as dt
import sys

import awswrangler as wr
import boto3
import pandas as pd
from awsglue.utils import getResolvedOptions

import features as ft

ARGS = [
    "run_id",
    "output_prefix",
    "processed_bucket",
    "raw_bucket",
    "feature_order",
    "horizon_hours",
    "lookback_days",
    "time_zone",
]


def main():
    args = getResolvedOptions(sys.argv, ARGS)
    end_date = ft.default_end_date(dt.datetime.now(dt.timezone.utc), args["time_zone"])
    if "--end_date" in sys.argv:
        end_date = getResolvedOptions(sys.argv, ["end_date"])["end_date"]
    run_id = ft.validate_run_id(args["run_id"])
    bucket, key = ft.parse_output_prefix(args["output_prefix"], run_id)
    feature_order = ft.parse_feature_order(args["feature_order"])
    horizon = int(args["horizon_hours"])
    dates = set(ft.lookback_dates(end_date, int(args["lookback_days"])))
    print(f"run {run_id}: readings {min(dates)}..{max(dates)}, horizon {horizon} h, features {feature_order}")

    readings = wr.s3.read_parquet(
        path=f"s3://{args['processed_bucket']}/sensor_readings/",
        dataset=True,
        partition_filter=lambda p: p["dt"] in dates,
        columns=["device_id", "ts", *feature_order],
    )
    print(f"read {len(readings)} readings")
    try:
        failures = wr.s3.read_csv(
            path=f"s3://{args['raw_bucket']}/batch/maintenance/", dataset=True, usecols=["device_id", "failure_ts"]
        )
    except wr.exceptions.NoFilesFound:
        failures = pd.DataFrame({"device_id": pd.Series(dtype=str), "failure_ts": pd.Series(dtype=str)})
    print(f"read {len(failures)} maintenance failure events")

    cutoff = ft.label_cutoff(end_date, args["time_zone"], horizon)
    labelled = ft.drop_censored(ft.label_readings(readings, failures, horizon), cutoff)
    print(f"{len(labelled)} readings up to {cutoff} UTC (end of {end_date} minus the {horizon} h horizon)")
    train, validation, split_ts = ft.split_by_time(labelled)
    counts = ft.require_both_classes(train, validation)
    # both CSVs are rendered (and their width checked) before anything is written
    bodies = {name: ft.to_xgboost_csv(part, feature_order) for name, part in (("train", train), ("validation", validation))}
    s3 = boto3.client("s3")
    for name, body in bodies.items():
        s3.put_object(Bucket=bucket, Key=f"{key}{name}/part-00000.csv", Body=body)
        print(f"wrote {counts[name][0] + counts[name][1]} rows ({counts[name][0]} positive) to s3://{bucket}/{key}{name}/")
    manifest = ft.build_manifest(
        feature_order=feature_order,
        horizon_hours=horizon,
        train_rows=len(train),
        validation_rows=len(validation),
        split_ts=split_ts,
        run_id=run_id,
        train_positives=counts["train"][0],
        validation_positives=counts["validation"][0],
        readings_until=cutoff,
    )
    # the manifest goes last: its presence means the set is complete
    s3.put_object(Bucket=bucket, Key=f"{key}manifest.json", Body=ft.manifest_json(manifest))
    print(f"wrote s3://{bucket}/{key}manifest.json")


if __name__ == "__main__":
    main()
