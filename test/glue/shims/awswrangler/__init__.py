"""TEST HARNESS ONLY (never deployed): the two awswrangler 2.15 calls of the ml_features job, over real S3 calls
(boto3 against the local S3 server) because neither awswrangler nor pyarrow is installable here. Glue's `analytics`
library set provides the real awswrangler 2.15.1 + pyarrow.

- `s3.read_parquet(path, dataset=True, partition_filter, columns)`: lists every object below `path`, reads the Hive
  partition values (`k=v/` in the key) as strings, keeps the objects whose partition dict passes `partition_filter`,
  decodes each parquet file (with hyparquet, through node: test/glue/parquet-to-json.mjs), selects `columns` and adds
  the partition columns (awswrangler's dataset=True behaviour).
- `s3.read_csv(path, dataset=True, usecols)`: every object below `path` through pandas.read_csv.
- Both raise `exceptions.NoFilesFound` when nothing is below `path`, as awswrangler does.
"""
from . import exceptions, s3  # noqa: F401
