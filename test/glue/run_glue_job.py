"""TEST HARNESS: starts a Glue job the way AWS Glue starts it, from what `cdk deploy` uploads.

    /usr/bin/python3 test/glue/run_glue_job.py run SPEC.json      # run a Python shell job
    /usr/bin/python3 test/glue/run_glue_job.py imports SPEC.json  # Spark: resolve the imports only

SPEC: {"endpoint": "http://127.0.0.1:PORT" (S3 and Secrets Manager, e.g. moto_server), "script": "s3://b/k/job.py",
"extra_py_files": "s3://b/k/a.py,...", "arguments": [["--name", "value"], ...] (DefaultArguments, then the run's
Arguments overriding them, in that order), "workdir": "/tmp/...", "redshift_data_log": optional path}.

What it reproduces of Glue's launcher:
- the script and each `--extra-py-files` object are downloaded FROM S3 and saved under their S3 base name; the extra
  files' folder is on the Python path, so `import features` works only if the object is named `features.py`;
- sys.argv = [script, --k, v, ...] for every default and run argument (the run's value wins), which the script reads
  with `awsglue.utils.getResolvedOptions` (stand-in in shims/awsglue: awsglue is not installable here);
- AWS SDK calls go to `endpoint` (the job's boto3 clients get it injected; boto3 1.26 predates AWS_ENDPOINT_URL).
  Redshift Data API calls, which moto does not implement for BatchExecuteStatement, go to a recorder in this process
  that answers FINISHED and writes the SQL it received to `redshift_data_log` (the SQL is checked elsewhere).
"""
import ast
import json
import os
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
SHIMS = os.path.join(HERE, "shims")
CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "ap-northeast-2"}
# Modules Glue 5.0's Spark runtime provides (pyspark, awsglue; boto3 is in AWS's "Python modules already provided in
# AWS Glue" list for 5.0), accepted without being resolved here
SPARK_PROVIDED = {"pyspark", "awsglue", "boto3"}

SITECUSTOMIZE = '''
import json, os
import botocore.session
_endpoints = json.loads(os.environ["GLUE_TEST_ENDPOINTS"])
_create = botocore.session.Session.create_client
def create_client(self, service_name, *args, **kwargs):
    if kwargs.get("endpoint_url") is None and (service_name in _endpoints or "*" in _endpoints):
        kwargs["endpoint_url"] = _endpoints.get(service_name, _endpoints.get("*"))
    return _create(self, service_name, *args, **kwargs)
botocore.session.Session.create_client = create_client
'''


def split_s3(url):
    assert url.startswith("s3://"), url
    bucket, _, key = url[5:].partition("/")
    return bucket, key


def download(s3, url, folder):
    bucket, key = split_s3(url)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, key.rsplit("/", 1)[-1])  # Glue keeps the S3 base name
    s3.download_file(bucket, key, path)
    return path


def fetch(spec):
    for k, v in CREDS.items():
        os.environ.setdefault(k, v)
    s3 = boto3.client("s3", endpoint_url=spec["endpoint"])
    script = download(s3, spec["script"], os.path.join(spec["workdir"], "script"))
    extra_dir = os.path.join(spec["workdir"], "extra-py-files")
    os.makedirs(extra_dir, exist_ok=True)
    extras = [download(s3, u, extra_dir) for u in (spec.get("extra_py_files") or "").split(",") if u]
    return script, extra_dir, extras


class RedshiftDataRecorder(BaseHTTPRequestHandler):
    statements = {}
    log_path = None

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        action = self.headers.get("X-Amz-Target", "").split(".")[-1]
        if action == "BatchExecuteStatement":
            sid = str(uuid.uuid4())
            self.statements[sid] = body
            with open(self.log_path, "a", encoding="utf8") as f:
                f.write(json.dumps(body) + "\n")
            out = {"Id": sid, "ClusterIdentifier": body.get("ClusterIdentifier"), "Database": body.get("Database"),
                   "CreatedAt": 0}
        elif action == "DescribeStatement" and body.get("Id") in self.statements:
            sqls = self.statements[body["Id"]]["Sqls"]
            out = {"Id": body["Id"], "Status": "FINISHED", "HasResultSet": False,
                   "SubStatements": [{"Id": f"{body['Id']}:{i + 1}", "Status": "FINISHED", "QueryString": q}
                                     for i, q in enumerate(sqls)]}
        else:
            self.send_response(400)
            self.end_headers()
            return
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def run(spec):
    script, extra_dir, _ = fetch(spec)
    endpoints = {"*": spec["endpoint"]}
    server = None
    if spec.get("redshift_data_log"):
        RedshiftDataRecorder.log_path = spec["redshift_data_log"]
        server = ThreadingHTTPServer(("127.0.0.1", 0), RedshiftDataRecorder)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        endpoints["redshift-data"] = f"http://127.0.0.1:{server.server_address[1]}"
    site = os.path.join(spec["workdir"], "site")
    os.makedirs(site, exist_ok=True)
    with open(os.path.join(site, "sitecustomize.py"), "w", encoding="utf8") as f:
        f.write(SITECUSTOMIZE)
    merged = {}
    for name, value in spec["arguments"]:
        merged[name] = value  # a run's Arguments replace the job's DefaultArguments of the same name
    argv = [a for name, value in merged.items() for a in (name, value)]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}, **CREDS,
           "PYTHONPATH": os.pathsep.join([extra_dir, site, SHIMS]), "GLUE_TEST_ENDPOINTS": json.dumps(endpoints)}
    proc = subprocess.run([sys.executable, script, *argv], env=env, cwd=os.path.dirname(script),
                          capture_output=True, text=True, timeout=300)
    if server:
        server.shutdown()
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    return proc.returncode


def top_level_imports(path):
    tree = ast.parse(open(path, encoding="utf8").read(), filename=path)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def imports(spec):
    """Every module imported by the script or its extra files is the standard library, Glue's Spark runtime
    (SPARK_PROVIDED), or one of the extra files under the base name Glue gives it. Prints a JSON report."""
    script, _, extras = fetch(spec)
    provided = {os.path.splitext(os.path.basename(p))[0] for p in extras}
    report = {"provided_by_extra_py_files": sorted(provided), "spark_provided": sorted(SPARK_PROVIDED),
              "unresolved": {}}
    for path in [script, *extras]:
        bad = sorted(n for n in top_level_imports(path)
                     if n not in sys.stdlib_module_names and n not in SPARK_PROVIDED and n not in provided)
        if bad:
            report["unresolved"][os.path.basename(path)] = bad
    print(json.dumps(report))
    return 1 if report["unresolved"] else 0


if __name__ == "__main__":
    mode, spec_path = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf8") as f:
        spec = json.load(f)
    sys.exit({"run": run, "imports": imports}[mode](spec))
