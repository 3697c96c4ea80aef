"""The Glue entry scripts cannot run here (no awsglue/pyspark); check that they compile, import their own transform
module, read the arguments the CDK stack passes, and call job.init/commit where bookmarks are on."""
import ast
import os
import re

import pytest

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(HERE)
JOBS = {
    "raw_sensor_to_parquet": "sensor_transforms",
    "etl_daily_fact": "fact_sql",
    "ml_features": "features",
}


def read(*parts):
    with open(os.path.join(*parts), encoding="utf8") as f:
        return f.read()


@pytest.mark.parametrize("job, module", sorted(JOBS.items()))
def test_script_compiles_and_imports_its_transforms(job, module):
    source = read(HERE, job, "job.py")
    tree = ast.parse(source, filename=f"{job}/job.py")
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert module in imported


@pytest.mark.parametrize("job", sorted(JOBS))
def test_default_arguments_of_the_stack_are_read_by_the_script(job):
    source = read(HERE, job, "job.py")
    args = set(re.findall(r'"([a-z_]+)"', source.split("ARGS = [", 1)[1].split("]", 1)[0]))
    stack = read(REPO, "lib", "etl", "etl-jobs.ts")
    block = stack.split(f"script('{job}', 'job.py')", 1)[1].split("defaultArguments: {", 1)[1].split("}", 1)[0]
    passed = set(re.findall(r"'--([a-z_]+)'", block)) - {"job", "enable"}
    passed.discard("job-bookmark-option")
    # every argument the stack passes is read, and every argument read is passed (or comes from Step Functions / ML)
    runtime = {"JOB_NAME", "run_date", "run_id", "output_prefix"}
    assert passed <= args, passed - args
    assert args - passed <= runtime, args - passed - runtime


def test_bookmarked_job_inits_and_commits():
    source = read(HERE, "raw_sensor_to_parquet", "job.py")
    assert "job.init(" in source and source.count("job.commit()") == 2
    assert 'transformation_ctx="raw_sensor_new"' in source
