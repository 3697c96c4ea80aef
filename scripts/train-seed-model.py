"""Trains a small seed-style failure model with libxgboost (python3-xgboost 1.7.4 = SageMaker 1.7-1) and packs it as
SageMaker does: the legacy binary `xgboost-model` (Booster.save_model) inside model.tar.gz.

Usage: /usr/bin/python3 scripts/train-seed-model.py <out-dir> [rows]

Writes <out-dir>/model.tar.gz, <out-dir>/cases.json (test rows with named sensor values, null = missing pressure) and
<out-dir>/pred.json (libxgboost's predictions for those rows: float32 bit patterns as unsigned ints, and the value).
Synthetic sensor data: the failure label depends on temperature, vibration and motor speed; pressure is missing for
about 20 % of the readings (the training CSV encodes it as an empty field, as the ml_features job does).
"""

import json
import os
import sys
import tarfile

import numpy as np
import xgboost as xgb

FEATURES = ["temperature", "motor_speed_rpm", "rvibration_temp", "rvibration_z_rms_velocity", "pressure"]
# The seed's hyperparameters (SageMaker receives them as strings; python gets the same values).
PARAMS = {
    "objective": "binary:logistic",
    "booster": "gbtree",
    "eval_metric": "auc",
    "scale_pos_weight": 10,
    "eta": 0.05,
    "max_depth": 5,
    "subsample": 0.7,
    "colsample_bytree": 0.7,
    "seed": 7,
    "nthread": 1,
}
NUM_ROUND = 25


def sensors(rng, n):
    x = np.empty((n, 5), dtype=np.float64)
    x[:, 0] = rng.normal(70, 12, n)  # temperature, degrees C
    x[:, 1] = rng.normal(1500, 300, n)  # motor speed, rpm
    x[:, 2] = x[:, 0] * 0.6 + rng.normal(10, 4, n)  # temperature at the vibration sensor
    x[:, 3] = np.abs(rng.gamma(2.0, 1.5, n))  # vibration RMS velocity, mm/s
    x[:, 4] = rng.normal(6, 1.2, n)  # pressure, bar
    x[:, :4] = np.round(x[:, :4], 3)
    x[:, 4] = np.round(x[:, 4], 2)
    x[rng.random(n) < 0.2, 4] = np.nan
    return x


def main():
    out = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rng = np.random.default_rng(20261125)
    x = sensors(rng, rows)
    risk = 0.08 * (x[:, 0] - 85) + 0.9 * (x[:, 3] - 5) + 0.004 * (x[:, 1] - 1800)
    y = (risk + rng.normal(0, 1, rows) > 1.5).astype(np.float32)
    split = int(rows * 0.8)
    dtrain = xgb.DMatrix(x[:split], label=y[:split], missing=np.nan)
    dval = xgb.DMatrix(x[split:], label=y[split:], missing=np.nan)
    booster = xgb.train(PARAMS, dtrain, NUM_ROUND, evals=[(dtrain, "train"), (dval, "validation")], verbose_eval=False)
    os.makedirs(out, exist_ok=True)
    model_path = os.path.join(out, "xgboost-model")
    booster.save_model(model_path)  # no .json/.ubj extension: the legacy binary format, as SageMaker 1.7-1 writes
    with tarfile.open(os.path.join(out, "model.tar.gz"), "w:gz") as tar:
        tar.add(model_path, arcname="xgboost-model")

    cases = sensors(np.random.default_rng(42), 60)
    # Edge values: exact split thresholds of the trees, so float32 rounding of inputs matters.
    dump = booster.get_dump(dump_format="json")
    thresholds = []
    for tree in dump:
        stack = [json.loads(tree)]
        while stack:
            node = stack.pop()
            if "split" in node:
                thresholds.append((int(node["split"][1:]) if node["split"].startswith("f") else FEATURES.index(node["split"]), node["split_condition"]))
                stack.extend(node.get("children", []))
    for i, (f, t) in enumerate(thresholds[:20]):
        cases[i % len(cases), f] = t
    pred = booster.predict(xgb.DMatrix(cases, missing=np.nan)).astype(np.float32)
    named = [{name: (None if np.isnan(v) else float(v)) for name, v in zip(FEATURES, row)} for row in cases]
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(named, f)
    with open(os.path.join(out, "pred.json"), "w") as f:
        json.dump({"bits": [int(b) for b in pred.view(np.uint32)], "values": [float(v) for v in pred]}, f)
    print(json.dumps({"rows": rows, "positives": int(y.sum()), "validation_auc": float(booster.eval(dval).split(":")[-1])}))


if __name__ == "__main__":
    main()
