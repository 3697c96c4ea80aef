#!/usr/bin/python3
"""Trains small XGBoost models with Debian's python3-xgboost (libxgboost 1.7.4, the release SageMaker 1.7-1 pins)
and writes them with libxgboost's own predictions, for the bit-exact parity tests of packages/xgboost.

Usage: /usr/bin/python3 scripts/gen-xgboost-fixtures.py --out DIR [--seed N] [--seed-model]

For every case DIR/<case>/ holds:
  xgboost-model (legacy binary, what SageMaker 1.3-1..1.7-1 write), model.json, model.ubj, model.tar.gz (tar.gz of
  xgboost-model, or of xgboost-model-0..k-1 for k-fold cases), X.f32 (float32 rows, NaN = missing),
  pred.f32 (SageMaker serving semantics: ntree_limit=best_ntree_limit, k-fold mean/mode),
  pred_all.f32 (all trees), margin_all.f32 (output_margin=True, all trees) -- all raw little-endian float32 bits.
DIR/manifest.json lists the cases with their shapes. Rows include features exactly on split thresholds, one ulp
either side, and missing values. --seed-model instead writes the seed-style model.tar.gz (25 trees, depth 5,
6 features, binary:logistic, legacy binary) used by the benchmark and committed as a fixture.
"""
import argparse
import io
import json
import os
import tarfile
import warnings

import numpy as np
import xgboost as xgb
from scipy import stats

warnings.filterwarnings("ignore")


EXP_OBJECTIVES = {"binary:logistic", "reg:logistic", "count:poisson", "reg:gamma", "reg:tweedie", "survival:cox",
                  "multi:softprob"}


def tar_gz(path, files):
    """Writes a tar.gz like SageMaker's model.tar.gz: regular files at the archive root."""
    with tarfile.open(path, "w:gz") as tf:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tf.addfile(info, io.BytesIO(data))


def threshold_rows(model_json, nfeat, rng, limit):
    """Rows whose features sit exactly on split thresholds, and one float32 ulp below / above."""
    doc = json.loads(model_json)
    gb = doc["learner"]["gradient_booster"]
    model = gb["gbtree"]["model"] if gb["name"] == "dart" else gb.get("model", {})
    thr = []
    for t in model.get("trees", []):
        for i, l in enumerate(t["left_children"]):
            if l != -1 and (t.get("split_type") or [0] * len(t["left_children"]))[i] == 0:
                thr.append((t["split_indices"][i], np.float32(t["split_conditions"][i])))
    rng.shuffle(thr)
    rows = []
    for f, v in thr[:limit]:
        for x in (v, np.nextafter(v, np.float32(-np.inf)), np.nextafter(v, np.float32(np.inf))):
            r = rng.normal(size=nfeat).astype(np.float32)
            r[f] = x
            rows.append(r)
    return np.array(rows, dtype=np.float32).reshape(-1, nfeat)


def with_missing(X, rng, frac=0.1):
    X = X.copy()
    X[rng.random(X.shape) < frac] = np.nan
    return X


def serving_predict(bst_files, objective, X):
    """What SageMaker 1.7-1 serving returns: load each file, predict with best_ntree_limit, mean or mode."""
    preds = []
    for f in bst_files:
        b = xgb.Booster(model_file=f)
        b.set_param({"nthread": 1})
        dm = xgb.DMatrix(X, missing=np.nan)
        preds.append(b.predict(dm, ntree_limit=getattr(b, "best_ntree_limit", 0) or 0, validate_features=False))
    if len(preds) == 1:
        return preds[0]
    if objective in ("multi:softmax", "binary:hinge"):
        return stats.mode(np.array(preds), axis=0, keepdims=False).mode.astype(np.float32)
    return np.mean(np.array(preds), axis=0)


def write_case(out, name, bsts, objective, X, manifest, binary=True, note=""):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    first = bsts[0]
    first.save_model(os.path.join(d, "model.json"))
    first.save_model(os.path.join(d, "model.ubj"))
    files = []
    if binary:
        if len(bsts) == 1:
            first.save_model(os.path.join(d, "xgboost-model"))
            files = [os.path.join(d, "xgboost-model")]
        else:
            for i, b in enumerate(bsts):
                p = os.path.join(d, f"xgboost-model-{i}")
                b.save_model(p)
                files.append(p)
    else:
        files = [os.path.join(d, "model.json")]
    tar_gz(os.path.join(d, "model.tar.gz"), [(os.path.basename(p), open(p, "rb").read()) for p in files])
    X = np.ascontiguousarray(X, dtype=np.float32)
    X.tofile(os.path.join(d, "X.f32"))
    dm = xgb.DMatrix(X, missing=np.nan)
    pred_all = first.predict(dm).astype(np.float32)
    margin_all = first.predict(dm, output_margin=True).astype(np.float32)
    pred = serving_predict(files, objective, X).astype(np.float32)
    pred.tofile(os.path.join(d, "pred.f32"))
    pred_all.tofile(os.path.join(d, "pred_all.f32"))
    margin_all.tofile(os.path.join(d, "margin_all.f32"))
    manifest.append(
        {
            "name": name,
            "objective": objective,
            "rows": int(X.shape[0]),
            "cols": int(X.shape[1]),
            "predSize": int(pred.size // X.shape[0]),
            "predAllSize": int(pred_all.size // X.shape[0]),
            "marginSize": int(margin_all.size // X.shape[0]),
            "kfold": len(bsts),
            "binary": binary,
            "attributes": first.attributes(),
            "note": note,
        }
    )


def gen(out, seed):
    rng = np.random.default_rng(seed)
    manifest = []
    nfeat, ntrain = 6, 300

    def data(label_fn, n=ntrain, nf=nfeat, miss=0.08):
        X = rng.normal(size=(n, nf)).astype(np.float32)
        y = label_fn(X)
        return with_missing(X, rng, miss), y

    def test_rows(bst, nf=nfeat, n=150):
        Xr = with_missing(rng.normal(size=(n, nf)).astype(np.float32), rng)
        Xt = threshold_rows(bst.save_raw("json").decode(), nf, rng, 60)
        return np.vstack([Xr, Xt]) if len(Xt) else Xr

    lin = lambda X: np.nan_to_num(X[:, 0] + 0.5 * X[:, 1] * X[:, 2] - X[:, 3])  # noqa: E731
    binary_y = lambda X: (lin(X) + rng.normal(scale=0.5, size=len(X)) > 0).astype(np.float32)  # noqa: E731
    pos_y = lambda X: np.exp(0.3 * lin(X)) + rng.random(len(X)) * 0.1  # noqa: E731
    count_y = lambda X: rng.poisson(np.exp(0.3 * lin(X))).astype(np.float32)  # noqa: E731
    class_y = lambda X: np.digitize(lin(X), [-0.7, 0.7]).astype(np.float32)  # noqa: E731

    base = {"max_depth": 4, "eta": 0.3, "nthread": 1, "seed": int(seed % 2**31)}
    cases = [
        ("logistic", {"objective": "binary:logistic"}, binary_y, 20),
        ("logistic_base03", {"objective": "binary:logistic", "base_score": 0.3}, binary_y, 20),
        ("logitraw", {"objective": "binary:logitraw"}, binary_y, 15),
        ("hinge", {"objective": "binary:hinge"}, binary_y, 15),
        ("squarederror", {"objective": "reg:squarederror", "base_score": 0.7}, lin, 20),
        ("squaredlogerror", {"objective": "reg:squaredlogerror"}, pos_y, 15),
        ("reg_logistic", {"objective": "reg:logistic"}, lambda X: 1 / (1 + np.exp(-lin(X))), 15),
        ("pseudohuber", {"objective": "reg:pseudohubererror"}, lin, 15),
        ("absoluteerror", {"objective": "reg:absoluteerror"}, lin, 15),
        ("gamma", {"objective": "reg:gamma"}, pos_y, 20),
        ("tweedie", {"objective": "reg:tweedie", "tweedie_variance_power": 1.3}, pos_y, 20),
        ("poisson", {"objective": "count:poisson"}, count_y, 20),
        ("softmax", {"objective": "multi:softmax", "num_class": 3}, class_y, 10),
        ("softprob", {"objective": "multi:softprob", "num_class": 3}, class_y, 10),
        ("cox", {"objective": "survival:cox"}, lambda X: pos_y(X) * np.where(rng.random(len(X)) < 0.8, 1, -1), 15),
        ("dart", {"objective": "binary:logistic", "booster": "dart", "rate_drop": 0.3, "skip_drop": 0.0}, binary_y, 15),
        ("dart_poisson", {"objective": "count:poisson", "booster": "dart", "rate_drop": 0.2}, count_y, 15),
        ("forest", {"objective": "binary:logistic", "num_parallel_tree": 3, "subsample": 0.7,
                    "colsample_bynode": 0.7}, binary_y, 4),
        ("forest_softprob", {"objective": "multi:softprob", "num_class": 3, "num_parallel_tree": 2,
                             "subsample": 0.8}, class_y, 4),
        ("gblinear", {"objective": "reg:squarederror", "booster": "gblinear"}, lin, 10),
        ("gblinear_logistic", {"objective": "binary:logistic", "booster": "gblinear"}, binary_y, 10),
    ]
    for name, params, yfn, rounds in cases:
        X, y = data(yfn)
        p = {**base, **params}
        if name == "cox":
            order = np.argsort(np.abs(y))
            X, y = X[order], y[order]
        bst = xgb.train(p, xgb.DMatrix(X, label=y, missing=np.nan), rounds)
        # More rows where a libm call shapes the output (expf/logf rounding cases are rare: ~1 in 13,000 inputs).
        n = 1500 if params["objective"] in EXP_OBJECTIVES else 150
        write_case(out, name, [bst], params["objective"], test_rows(bst, n=n), manifest)

    # rank:* (needs query groups)
    for obj in ("rank:pairwise", "rank:ndcg", "rank:map"):
        X, y = data(lambda X: np.clip(np.digitize(lin(X), [-1, 0, 1]), 0, 3).astype(np.float32))
        dm = xgb.DMatrix(X, label=y, missing=np.nan)
        dm.set_group([30] * 10)
        bst = xgb.train({**base, "objective": obj}, dm, 10)
        write_case(out, obj.replace(":", "_"), [bst], obj, test_rows(bst), manifest)

    # survival:aft (interval-censored labels; exp output transform, log-link base score)
    X, y = data(pos_y)
    dm = xgb.DMatrix(X, missing=np.nan)
    dm.set_float_info("label_lower_bound", y)
    dm.set_float_info("label_upper_bound", np.where(rng.random(len(y)) < 0.3, np.inf, y * 1.5))
    bst = xgb.train({**base, "objective": "survival:aft", "aft_loss_distribution": "logistic"}, dm, 10)
    write_case(out, "aft", [bst], "survival:aft", test_rows(bst, n=1500), manifest)

    # Early stopping: best_ntree_limit below the number of trees (SageMaker serving uses the limit).
    X, y = data(binary_y, n=400)
    Xv, yv = data(binary_y, n=200)
    bst = xgb.train({**base, "objective": "binary:logistic", "eta": 0.9, "max_depth": 6}, xgb.DMatrix(X, label=y),
                    60, evals=[(xgb.DMatrix(Xv, label=yv), "validation")], early_stopping_rounds=3, verbose_eval=False)
    if int(bst.attr("best_ntree_limit")) >= bst.num_boosted_rounds():
        bst.set_attr(best_iteration=str(bst.num_boosted_rounds() // 2 - 1), best_ntree_limit=str(bst.num_boosted_rounds() // 2))
    write_case(out, "early_stopping", [bst], "binary:logistic", test_rows(bst), manifest)
    X, y = data(class_y)
    bst = xgb.train({**base, "objective": "multi:softprob", "num_class": 3, "num_parallel_tree": 2}, xgb.DMatrix(X, label=y), 6)
    bst.set_attr(best_iteration="3", best_ntree_limit="8")
    write_case(out, "limit_softprob_forest", [bst], "multi:softprob", test_rows(bst), manifest)

    # k-fold sets (averaged; voted for multi:softmax and binary:hinge).
    for name, params, yfn in (
        ("kfold_logistic", {"objective": "binary:logistic"}, binary_y),
        ("kfold_softmax", {"objective": "multi:softmax", "num_class": 3}, class_y),
        ("kfold_softprob", {"objective": "multi:softprob", "num_class": 3}, class_y),
        ("kfold_hinge", {"objective": "binary:hinge"}, binary_y),
    ):
        X, y = data(yfn)
        bsts = []
        for k in range(4):
            idx = np.arange(len(X)) % 4 != k
            bsts.append(xgb.train({**base, **params, "seed": k}, xgb.DMatrix(X[idx], label=y[idx]), 8))
        write_case(out, name, bsts, params["objective"], test_rows(bsts[0]), manifest)

    # Categorical splits (JSON/UBJSON only: the legacy binary format cannot hold them).
    import pandas as pd
    n = 400
    cat = rng.integers(0, 12, size=n)
    num = rng.normal(size=n).astype(np.float32)
    y = ((cat % 3 == 0) ^ (num > 0.2)).astype(np.float32)
    df = pd.DataFrame({"c": pd.Categorical(cat, categories=list(range(12))), "x": num})
    for name, onehot in (("categorical_partition", 1), ("categorical_onehot", 64)):
        bst = xgb.train({**base, "objective": "binary:logistic", "tree_method": "hist", "max_cat_to_onehot": onehot},
                        xgb.DMatrix(df, label=y, enable_categorical=True), 10)
        codes = np.concatenate([np.arange(-2, 15), [3.7, 13.2, -0.5, 0.5, 11.99, 1e7, 2e7, np.nan]]).astype(np.float32)
        Xc = np.stack([np.repeat(codes, 5), np.tile(np.array([-1, 0, 0.2, 1, np.nan], np.float32), len(codes))], axis=1)
        # Predict through a numeric DMatrix with the categorical feature type, as the scorer sees raw codes.
        write_case_cat(out, name, bst, Xc.astype(np.float32), manifest)

    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"seed": seed, "xgboost": xgb.__version__, "cases": manifest}, f, indent=1)


def write_case_cat(out, name, bst, X, manifest):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    bst.save_model(os.path.join(d, "model.json"))
    bst.save_model(os.path.join(d, "model.ubj"))
    tar_gz(os.path.join(d, "model.tar.gz"), [("xgboost-model", open(os.path.join(d, "model.ubj"), "rb").read())])
    X.tofile(os.path.join(d, "X.f32"))
    dm = xgb.DMatrix(X, missing=np.nan, feature_names=["c", "x"], feature_types=["c", "q"], enable_categorical=True)
    pred = bst.predict(dm).astype(np.float32)
    pred.tofile(os.path.join(d, "pred.f32"))
    pred.tofile(os.path.join(d, "pred_all.f32"))
    bst.predict(dm, output_margin=True).astype(np.float32).tofile(os.path.join(d, "margin_all.f32"))
    manifest.append({"name": name, "objective": "binary:logistic", "rows": int(X.shape[0]), "cols": 2, "predSize": 1,
                     "predAllSize": 1, "marginSize": 1, "kfold": 1, "binary": False, "attributes": bst.attributes(),
                     "note": "categorical"})


def seed_model(out):
    """The seed-style SageMaker artifact: 25 trees, depth 5, 6 features, binary:logistic, legacy binary in a tar.gz."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(2000, 6)).astype(np.float32)
    y = ((X[:, 0] + X[:, 1] * X[:, 2] - 0.5 * X[:, 3] + rng.normal(scale=0.5, size=2000)) > 0).astype(np.float32)
    X = with_missing(X, rng, 0.03)
    bst = xgb.train({"objective": "binary:logistic", "max_depth": 5, "eta": 0.2, "nthread": 1, "seed": 7},
                    xgb.DMatrix(X, label=y, missing=np.nan), 25)
    os.makedirs(out, exist_ok=True)
    raw = bytes(bst.save_raw("deprecated"))
    assert raw[:4] == b"binf"
    tar_gz(os.path.join(out, "model.tar.gz"), [("xgboost-model", raw)])
    Xt = np.vstack([with_missing(rng.normal(size=(200, 6)).astype(np.float32), rng), threshold_rows(bst.save_raw("json").decode(), 6, rng, 40)])
    Xt.astype(np.float32).tofile(os.path.join(out, "X.f32"))
    bst.predict(xgb.DMatrix(Xt, missing=np.nan)).astype(np.float32).tofile(os.path.join(out, "pred.f32"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seed-model", action="store_true")
    a = ap.parse_args()
    if a.seed_model:
        seed_model(a.out)
    else:
        os.makedirs(a.out, exist_ok=True)
        gen(a.out, a.seed)


if __name__ == "__main__":
    main()
