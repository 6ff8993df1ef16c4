"""The active scorecard as people read it: each attribute, its bins described in
words, and the points each bin gives."""
from peerfund.risk.features import FEATURE_BY_NAME


def _numeric_bins(splits: list[float]) -> list[str]:
    labels = [f"< {splits[0]:g}"] if splits else ["all"]
    labels += [f"{low:g} – {high:g}" for low, high in zip(splits, splits[1:], strict=False)]
    if splits:
        labels.append(f"≥ {splits[-1]:g}")
    return labels


def scorecard_rows(artefact: dict) -> list[dict]:
    rows = []
    for spec in artefact["features"]:
        feature = FEATURE_BY_NAME[spec["name"]]
        if spec["numeric"]:
            bins = _numeric_bins(spec["splits"])
            if feature.scale != 1:
                bins = [f"{label} (×{feature.scale})" for label in bins]
        else:
            bins = [" / ".join(feature.value_label(value) for value in group) for group in spec["groups"]]
        rows.append({"feature": str(feature.label), "bins": list(zip(bins, spec["points"], strict=True)), "missing": spec["missing"]})
    return rows


def metrics_summary(metrics: dict) -> dict:
    """Cross-validated figures when the version has them, else the fit's own."""
    cv = metrics.get("cross_validation") or {}
    training = metrics.get("training") or {}
    scorecard = cv.get("scorecard") or {}
    return {
        "auc": scorecard.get("auc", training.get("auc")),
        "ks": scorecard.get("ks", training.get("ks")),
        "gini": scorecard.get("gini"),
        "baseline_auc": (cv.get("baseline") or {}).get("auc"),
        "cross_validated": bool(cv),
    }
