"""Puts every job folder on sys.path so the tests import the pure transform modules the way Glue does (the job's
--extra-py-files places them next to the script). Module names are unique across jobs on purpose."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
for job in ("raw_sensor_to_parquet", "etl_daily_fact", "ml_features"):
    path = os.path.join(HERE, job)
    if path not in sys.path:
        sys.path.insert(0, path)
