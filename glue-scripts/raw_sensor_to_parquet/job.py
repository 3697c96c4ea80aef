"""Glue 5.0 PySpark job: one day of raw sensor JSON lines -> the processed parquet partition `sensor_readings/dt=D/`.

Thin plumbing only; every decision lives in sensor_transforms.py (tested with pytest).

Partition visibility: the job registers the run date's partition of the raw catalog table itself (CreatePartition,
idempotent), then reads the catalog table with a push-down predicate on `dt`, so only that folder is listed. No
crawler, no schema drift.

Bookmarks and reruns: the bookmarked read (transformation_ctx "raw_sensor_new") only tells whether files arrived
since the last successful run of this job. When nothing is new and the processed partition exists, the run ends
without writing (a rerun changes nothing). Otherwise the whole day is re-read (no transformation_ctx: not bookmarked)
and the processed `dt` partition is overwritten (dynamic partition overwrite), so late files are merged and a rerun of
the same date never duplicates rows.
"""
import sys

import boto3
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.transforms import ApplyMapping, DropNullFields, ResolveChoice
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F
from pyspark.sql import types as T

import sensor_transforms as t

ARGS = ["JOB_NAME", "run_date", "database", "raw_table", "processed_table", "raw_bucket", "processed_bucket"]


def ensure_partition(glue, database, table_name, location, run_date):
    table = glue.get_table(DatabaseName=database, Name=table_name)["Table"]
    try:
        glue.create_partition(
            DatabaseName=database,
            TableName=table_name,
            PartitionInput=t.partition_input(table["StorageDescriptor"], location, run_date),
        )
        print(f"registered partition dt={run_date} of {database}.{table_name} at {location}")
    except glue.exceptions.AlreadyExistsException:
        print(f"partition dt={run_date} of {database}.{table_name} already registered")


def prefix_has_objects(s3, url):
    bucket, _, key = url[len("s3://") :].partition("/")
    return s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1).get("KeyCount", 0) > 0


def main():
    args = getResolvedOptions(sys.argv, ARGS)
    run_date = t.validate_run_date(args["run_date"])
    sc = SparkContext.getOrCreate()
    glue_context = GlueContext(sc)
    spark = glue_context.spark_session
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)

    glue = boto3.client("glue")
    s3 = boto3.client("s3")
    database = args["database"]
    raw_location = t.raw_partition_location(args["raw_bucket"], run_date)
    if not prefix_has_objects(s3, raw_location):
        raise RuntimeError(f"no raw sensor files under {raw_location}: nothing to process for {run_date}")
    ensure_partition(glue, database, args["raw_table"], raw_location, run_date)

    predicate = t.push_down_predicate(run_date)
    new = glue_context.create_dynamic_frame.from_catalog(
        database=database,
        table_name=args["raw_table"],
        push_down_predicate=predicate,
        transformation_ctx="raw_sensor_new",
    )
    new_records = new.count()
    processed_location = f"{t.processed_root(args['processed_bucket'])}dt={run_date}/"
    if new_records == 0 and prefix_has_objects(s3, processed_location):
        print(f"no raw files new since the last run for dt={run_date}; {processed_location} is current")
        job.commit()
        return
    print(f"{new_records} new raw records for dt={run_date}; rebuilding the whole partition")

    day = glue_context.create_dynamic_frame.from_catalog(
        database=database, table_name=args["raw_table"], push_down_predicate=predicate
    )
    mapped = ApplyMapping.apply(frame=day, mappings=t.APPLY_MAPPING, transformation_ctx="apply_mapping")
    resolved = ResolveChoice.apply(frame=mapped, choice="make_struct", transformation_ctx="resolve_choice")
    dropped = DropNullFields.apply(frame=resolved, transformation_ctx="drop_null_fields")

    results = dropped.toDF().rdd.map(lambda r: (r.asDict(recursive=True), t.normalize_record(r.asDict(recursive=True))))
    results.cache()
    good_schema = T.StructType(
        [T.StructField("device_id", T.StringType()), T.StructField("ts", T.StringType())]
        + [T.StructField(c, T.DoubleType()) for c in t.NUMERIC_COLUMNS]
    )
    good = spark.createDataFrame(results.filter(lambda x: x[1][0] is not None).map(lambda x: x[1][0]), good_schema)
    out = good.selectExpr(*t.contract_select_exprs(good.columns)).withColumn("dt", F.lit(run_date))
    out.write.mode("overwrite").partitionBy("dt").parquet(t.processed_root(args["processed_bucket"]))

    rejects = results.filter(lambda x: x[1][0] is None).map(lambda x: (str(x[0]), x[1][1]))
    rejects_df = spark.createDataFrame(rejects, "record string, reason string")
    rejects_df.write.mode("overwrite").option("compression", "gzip").json(
        t.rejects_location(args["processed_bucket"], run_date)
    )
    written, rejected = out.count(), rejects_df.count()
    print(f"dt={run_date}: wrote {written} readings to {processed_location}, rejected {rejected}")
    if written > 0:
        ensure_partition(glue, database, args["processed_table"], processed_location, run_date)
    job.commit()


if __name__ == "__main__":
    main()
