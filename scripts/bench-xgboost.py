#!/usr/bin/python3
"""libxgboost 1.7.4 side of `npm run bench:scorer` (run with /usr/bin/python3).

Usage: bench-xgboost.py <workdir> <seed-model.tar.gz>
Writes into workdir: big.model (500 trees, depth 6, 50 features, binary:logistic, legacy binary; trained once and
cached), big_X.f32 (rows), big_pred.f32, seed_X.f32, seed_pred.f32, then prints {"ready": true} and
answers timing requests read from stdin ("single": µs/row of single-row inplace_predict on the seed model; "batch":
rows/s of single-thread predict and inplace_predict on the big model), so the benchmark can alternate rounds.
"""
import io
import json
import os
import sys
import tarfile
import time

import numpy as np
import xgboost as xgb

wd, seed_tar = sys.argv[1], sys.argv[2]
os.makedirs(wd, exist_ok=True)
rng = np.random.default_rng(11)

big = os.path.join(wd, "big.model")
if not os.path.exists(big):
    X = rng.normal(size=(20000, 50)).astype(np.float32)
    y = (X[:, :10].sum(axis=1) + X[:, 10] * X[:, 11] + rng.normal(size=20000) > 0).astype(np.float32)
    b = xgb.train({"objective": "binary:logistic", "max_depth": 6, "eta": 0.05, "tree_method": "hist", "nthread": 2,
                   "seed": 1}, xgb.DMatrix(X, label=y), 500)
    b.save_model(big + ".tmp")
    os.replace(big + ".tmp", big)
bb = xgb.Booster(model_file=big)
bb.set_param({"nthread": 1})
Xb = rng.normal(size=(20000, 50)).astype(np.float32)
Xb[rng.random(Xb.shape) < 0.05] = np.nan
Xb.tofile(os.path.join(wd, "big_X.f32"))
pred = bb.predict(xgb.DMatrix(Xb, missing=np.nan, nthread=1))
pred.astype(np.float32).tofile(os.path.join(wd, "big_pred.f32"))


def time_batch():
    # A fresh DMatrix each time: Booster.predict caches predictions per DMatrix. Only predict() is timed.
    dm = xgb.DMatrix(Xb, missing=np.nan, nthread=1)
    t = time.perf_counter()
    bb.predict(dm)
    d = time.perf_counter() - t
    t = time.perf_counter()
    bb.inplace_predict(Xb, missing=np.nan)
    return len(Xb) / d, len(Xb) / (time.perf_counter() - t)


with tarfile.open(seed_tar) as tf:
    raw = tf.extractfile("xgboost-model").read()
sb = xgb.Booster()
sb.load_model(bytearray(raw))
sb.set_param({"nthread": 1})
Xs = rng.normal(size=(2000, 6)).astype(np.float32)
Xs[rng.random(Xs.shape) < 0.05] = np.nan
Xs.tofile(os.path.join(wd, "seed_X.f32"))
sb.predict(xgb.DMatrix(Xs, missing=np.nan)).astype(np.float32).tofile(os.path.join(wd, "seed_pred.f32"))
rows = [Xs[i : i + 1] for i in range(len(Xs))]
for r in rows[:200]:
    sb.inplace_predict(r, missing=np.nan)


def time_single():
    t = time.perf_counter()
    for r in rows:
        sb.inplace_predict(r, missing=np.nan)
    return (time.perf_counter() - t) / len(rows) * 1e6


# Rounds are driven from the benchmark over stdin, alternating with our measurements so both sides see the same load.
print(json.dumps({"ready": True, "big_rows": len(Xb), "seed_rows": len(Xs)}), flush=True)
for line in sys.stdin:
    cmd = line.strip()
    if cmd == "single":
        print(json.dumps({"single_inplace_us": time_single()}), flush=True)
    elif cmd == "batch":
        a, b = time_batch()
        print(json.dumps({"batch_dmatrix_rows_s": a, "batch_inplace_rows_s": b}), flush=True)
    else:
        break
