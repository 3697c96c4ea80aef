#!/usr/bin/python3
"""End-to-end half of `npm run bench:scorer` (run with /usr/bin/python3; Debian python3-xgboost 1.7.4).

Usage: bench-score-e2e.py <workdir> <rounds> -- <our command ...>

1. Generates (once, cached in workdir) e2e.model: 500 trees, depth 6, binary:logistic, 50 features, legacy binary
   (training seed 11), and e2e.csv: 200,000 header-less rows x 50 float32 features written by pandas, 2 % of the
   fields empty (= missing) (data seed 23). libxgboost's predictions for the rows go to e2e_pred.f32.
2. Times, in alternating rounds, two whole processes (start, read, parse, score, write one probability per row):
     ref:  /usr/bin/python3 -c <pandas read_csv(float32) -> Booster(nthread=1).inplace_predict -> Series.to_csv>
     ours: <our command> --model e2e.model --input e2e.csv  > e2e_ours.out
   Each run's wall time and CPU time (user + sys of the child, from wait4) are recorded.
Prints one JSON line: seeds, sizes, min wall/CPU per side and every run.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np

wd, rounds = sys.argv[1], int(sys.argv[2])
ours = sys.argv[sys.argv.index("--") + 1 :]
os.makedirs(wd, exist_ok=True)
MODEL_SEED, DATA_SEED, ROWS, COLS, MISSING = 11, 23, 200_000, 50, 0.02
model = os.path.join(wd, "e2e.model")
csv = os.path.join(wd, "e2e.csv")
pred_path = os.path.join(wd, "e2e_pred.f32")

if not os.path.exists(model):
    import xgboost as xgb

    rng = np.random.default_rng(MODEL_SEED)
    X = rng.normal(size=(20000, COLS)).astype(np.float32)
    y = (X[:, :10].sum(axis=1) + X[:, 10] * X[:, 11] + rng.normal(size=20000) > 0).astype(np.float32)
    b = xgb.train({"objective": "binary:logistic", "max_depth": 6, "eta": 0.05, "tree_method": "hist", "nthread": 2,
                   "seed": 1}, xgb.DMatrix(X, label=y), 500)
    b.save_model(model + ".tmp")
    os.replace(model + ".tmp", model)
if not os.path.exists(csv) or not os.path.exists(pred_path):
    import pandas as pd
    import xgboost as xgb

    rng = np.random.default_rng(DATA_SEED)
    X = rng.normal(size=(ROWS, COLS)).astype(np.float32)
    X[rng.random(X.shape) < MISSING] = np.nan
    pd.DataFrame(X).to_csv(csv + ".tmp", header=False, index=False, na_rep="")
    os.replace(csv + ".tmp", csv)
    bb = xgb.Booster(model_file=model)
    bb.set_param({"nthread": 1})
    # The oracle reads the CSV exactly as the reference pipeline does.
    Xr = pd.read_csv(csv, header=None, dtype=np.float32).to_numpy()
    bb.inplace_predict(Xr, missing=np.nan).astype(np.float32).tofile(pred_path)

REF = r"""
import sys
import numpy as np, pandas as pd, xgboost as xgb
model, csv, out = sys.argv[1:4]
b = xgb.Booster(model_file=model)
b.set_param({"nthread": 1})
X = pd.read_csv(csv, header=None, dtype=np.float32).to_numpy()
p = b.inplace_predict(X, missing=np.nan)
pd.Series(p).to_csv(out, header=False, index=False)
"""


def run(cmd, stdout_path):
    with open(stdout_path, "wb") as f:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=f)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"command failed ({status}): {cmd}")
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime}


ref_out = os.path.join(wd, "e2e_ref.out")
ours_out = os.path.join(wd, "e2e_ours.out")
ref_runs, our_runs = [], []
for _ in range(rounds):
    ref_runs.append(run(["/usr/bin/python3", "-c", REF, model, csv, ref_out], os.devnull))
    our_runs.append(run(ours + ["--model", model, "--input", csv], ours_out))
print(json.dumps({
    "model_seed": MODEL_SEED, "data_seed": DATA_SEED, "rows": ROWS, "cols": COLS, "missing": MISSING,
    "csv_bytes": os.path.getsize(csv), "model": model, "csv": csv, "pred": pred_path, "ours_out": ours_out,
    "ref_out": ref_out,
    "ref": {"wall": min(r["wall"] for r in ref_runs), "cpu": min(r["cpu"] for r in ref_runs), "runs": ref_runs},
    "ours": {"wall": min(r["wall"] for r in our_runs), "cpu": min(r["cpu"] for r in our_runs), "runs": our_runs},
}), flush=True)
