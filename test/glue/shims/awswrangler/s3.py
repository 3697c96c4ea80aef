"""TEST HARNESS ONLY: see the package docstring."""
import io
import json
import os
import subprocess
import tempfile

import boto3
import pandas as pd

from .exceptions import NoFilesFound

_DECODER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "parquet-to-json.mjs")


def _objects(path):
    if not path.startswith("s3://"):
        raise ValueError(f"not an s3 path: {path}")
    bucket, _, prefix = path[5:].partition("/")
    s3 = boto3.client("s3")
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", []) if not o["Key"].endswith("/") and o["Size"] > 0]
    if not keys:
        raise NoFilesFound(f"No files Found on: {path}.")
    return s3, bucket, prefix, sorted(keys)


def _partitions(prefix, key):
    parts = {}
    for seg in key[len(prefix):].split("/")[:-1]:
        if "=" in seg:
            k, _, v = seg.partition("=")
            parts[k] = v
    return parts


def read_parquet(path, dataset=False, partition_filter=None, columns=None, **_):
    s3, bucket, prefix, keys = _objects(path)
    frames = []
    for key in keys:
        parts = _partitions(prefix, key) if dataset else {}
        if partition_filter is not None and not partition_filter(parts):
            continue
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        with tempfile.NamedTemporaryFile(suffix=".parquet") as f:
            f.write(body)
            f.flush()
            out = subprocess.run(["node", _DECODER, f.name], check=True, capture_output=True, text=True).stdout
        decoded = json.loads(out)
        frame = pd.DataFrame(decoded["rows"], columns=decoded["columns"])
        for name in decoded["timestamps"]:
            frame[name] = pd.to_datetime(frame[name], utc=True).dt.tz_localize(None)
        if columns is not None:
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise KeyError(f"columns {missing} not in s3://{bucket}/{key}")
            frame = frame[list(columns)]
        for k, v in parts.items():
            frame[k] = pd.Categorical([v] * len(frame))
        frames.append(frame)
    if not frames:
        raise NoFilesFound(f"No files Found on: {path} after partition_filter.")
    return pd.concat(frames, ignore_index=True)


def read_csv(path, dataset=False, usecols=None, **_):
    s3, bucket, _prefix, keys = _objects(path)
    frames = [pd.read_csv(io.BytesIO(s3.get_object(Bucket=bucket, Key=k)["Body"].read()), usecols=usecols)
              for k in keys]
    return pd.concat(frames, ignore_index=True)
