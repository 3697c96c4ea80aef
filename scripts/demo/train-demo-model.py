#!/usr/bin/env python3
"""Trains the demo's failure model (XGBoost binary:logistic) from simulated readings with labelled faults.

Regenerate data/demo/failure-model.json (Debian's python3-xgboost 1.7.4, the SageMaker XGBoost 1.7-1 library):

  npx smart-factory simulate --devices 20 --rate 1 --duration 3600 --faults --seed 7 \
      --start 2026-11-01T00:00:00Z --to file:/tmp/demo-train.jsonl
  /usr/bin/python3 scripts/demo/train-demo-model.py /tmp/demo-train.jsonl /tmp/demo-train.jsonl.labels.jsonl \
      data/demo/failure-model.json

A reading is labelled 1 from its device's fault peak to the fault end (the equipment is failing), 0 otherwise.
Features in schema order; a missing pressure is NaN (XGBoost's missing value), as the edge scorer passes it.
"""
import json
import sys

import numpy as np
import xgboost as xgb

FEATURES = ["temperature", "motor_speed_rpm", "rvibration_temp", "rvibration_z_rms_velocity", "pressure"]


def main(readings_path: str, labels_path: str, out_path: str) -> None:
    faults = {}
    with open(labels_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                l = json.loads(line)
                faults[l["device_id"]] = (l["peak"], l["end"])
    rows, labels = [], []
    with open(readings_path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            rows.append([r.get(k, float("nan")) if r.get(k) is not None else float("nan") for k in FEATURES])
            w = faults.get(r["device_id"])
            labels.append(1 if w is not None and w[0] <= r["ts"] <= w[1] else 0)
    x = np.array(rows, dtype=np.float32)
    y = np.array(labels, dtype=np.float32)
    rng = np.random.default_rng(7)
    idx = rng.permutation(len(y))
    cut = int(len(y) * 0.8)
    train, valid = idx[:cut], idx[cut:]
    dtrain = xgb.DMatrix(x[train], label=y[train], feature_names=FEATURES, missing=np.nan)
    dvalid = xgb.DMatrix(x[valid], label=y[valid], feature_names=FEATURES, missing=np.nan)
    params = {
        "objective": "binary:logistic",
        "eval_metric": "auc",
        "max_depth": 4,
        "eta": 0.2,
        "subsample": 0.8,
        "scale_pos_weight": max(1.0, float((y == 0).sum()) / max(1.0, float((y == 1).sum()))),
        "seed": 7,
        "nthread": 1,
    }
    booster = xgb.train(params, dtrain, num_boost_round=40, evals=[(dvalid, "valid")], verbose_eval=False)
    auc = float(booster.eval(dvalid).split(":")[-1])
    booster.save_model(out_path)
    print(f"rows={len(y)} positives={int(y.sum())} validation_auc={auc:.4f} -> {out_path}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: train-demo-model.py <readings.jsonl> <labels.jsonl> <model.json>")
    main(*sys.argv[1:])
