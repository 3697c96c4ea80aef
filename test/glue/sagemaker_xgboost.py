"""TEST HARNESS: SageMaker's XGBoost 1.7-1 container, the two paths our artifacts meet, with python3-xgboost 1.7.4 (the
container's XGBOOST_VERSION).

    train TRAIN.csv VALIDATION.csv HYPERPARAMETERS.json MODEL_DIR
        as algorithm_mode/train.py + data_utils.get_dmatrix for text/csv: xgb.DMatrix("<file>?format=csv&
        label_column=0&delimiter=,"), hyperparameters as strings converted like the container (num_round apart),
        evals [train, validation]; saves MODEL_DIR/xgboost-model (legacy binary, as the container's save_model does).
        Prints {"num_col": [train, validation], "num_features": n, "validation_auc": last}.
    score MODEL_DIR ROWS.json
        as algorithm_mode/serve.py + encoder.csv_to_dmatrix for one text/csv request each: csv.Sniffer on the first
        line, "" -> "nan", np.array(...).astype(None) (float64), predict(validate_features=False). Prints the scores.
"""
import csv
import json
import os
import sys

import numpy as np
import xgboost as xgb


def _clean_csv_string(csv_string, delimiter):
    return ["nan" if x == "" else x for x in csv_string.split(delimiter)]


def csv_to_dmatrix(payload):
    sniff_delimiter = csv.Sniffer().sniff(payload.split("\n")[0][:512]).delimiter
    delimiter = "," if sniff_delimiter.isalnum() else sniff_delimiter
    np_payload = np.array(list(map(lambda x: _clean_csv_string(x, delimiter), payload.split("\n")))).astype(None)
    return xgb.DMatrix(np_payload)


def train(train_csv, validation_csv, hp_path, model_dir):
    hp = {k: str(v) for k, v in json.load(open(hp_path)).items()}
    num_round = int(hp.pop("num_round"))
    params = {k: (float(v) if k in {"eta", "subsample", "colsample_bytree", "scale_pos_weight"} else
                  int(v) if k == "max_depth" else v) for k, v in hp.items()}
    dtrain = xgb.DMatrix(f"{train_csv}?format=csv&label_column=0&delimiter=,")
    dval = xgb.DMatrix(f"{validation_csv}?format=csv&label_column=0&delimiter=,")
    history = {}
    booster = xgb.train(params, dtrain, num_round, evals=[(dtrain, "train"), (dval, "validation")],
                        evals_result=history, verbose_eval=False)
    os.makedirs(model_dir, exist_ok=True)
    booster.save_model(os.path.join(model_dir, "xgboost-model"))
    print(json.dumps({"num_col": [dtrain.num_col(), dval.num_col()], "num_features": booster.num_features(),
                      "validation_auc": history["validation"]["auc"][-1]}))


def score(model_dir, rows_path):
    booster = xgb.Booster()
    booster.load_model(os.path.join(model_dir, "xgboost-model"))
    booster.set_param("nthread", 1)
    out = []
    for row in json.load(open(rows_path)):
        out.append(float(booster.predict(csv_to_dmatrix(row), validate_features=False)[0]))
    print(json.dumps(out))


if __name__ == "__main__":
    {"train": train, "score": score}[sys.argv[1]](*sys.argv[2:])
