"""Glue Python shell job (the seed's ETL_Daily_Fact_Retail_sales): loads one run date from the lake into the
Redshift facts through the Redshift Data API, authenticated with the ETL secret (etl_user).

Thin plumbing; the SQL and the polling loop live in fact_sql.py (tested with pytest and parsed by sqlfluff).
"""
import sys

import boto3
from awsglue.utils import getResolvedOptions

import fact_sql as f

ARGS = [
    "run_date",
    "cluster_identifier",
    "database",
    "secret_arn",
    "copy_role_arn",
    "processed_bucket",
    "raw_bucket",
    "poll_seconds",
    "timeout_seconds",
]


def main():
    args = getResolvedOptions(sys.argv, ARGS)
    run_date = f.validate_run_date(args["run_date"])
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=args["secret_arn"])
    conn = f.connection_from_secret(secret.get("SecretString"), args["cluster_identifier"], args["database"])
    print(f"loading {run_date} into {conn['cluster_identifier']}/{conn['database']} as {conn['username']}")

    s3 = boto3.client("s3")
    buckets = {"processed": args["processed_bucket"], "raw": args["raw_bucket"]}
    present = {}
    for source, (zone, _) in f.SOURCES.items():
        prefix = f.source_prefix(source, run_date)
        listed = s3.list_objects_v2(Bucket=buckets[zone], Prefix=prefix, MaxKeys=1)
        present[source] = listed.get("KeyCount", 0) > 0
        print(f"{source}: {'files' if present[source] else 'NO files'} under s3://{buckets[zone]}/{prefix}")
    if not present["sensor_readings"]:
        raise RuntimeError(f"no processed sensor readings for {run_date}: run raw_sensor_to_parquet first")

    sqls = f.build_statements(run_date, args["processed_bucket"], args["raw_bucket"], args["copy_role_arn"], present)
    f.run_batch(
        boto3.client("redshift-data"),
        sqls,
        cluster_identifier=conn["cluster_identifier"],
        database=conn["database"],
        secret_arn=args["secret_arn"],
        statement_name=f"etl_daily_fact-{run_date}",
        poll_seconds=float(args["poll_seconds"]),
        timeout_seconds=float(args["timeout_seconds"]),
    )
    print(f"{run_date}: facts replaced for {', '.join(s for s, p in present.items() if p)}")


if __name__ == "__main__":
    main()
