"""Scoring an application with an exported scorecard: integer points per bin, summed;
the probability of default from the PDO scaling; reason codes = the attributes that
cost the most points against their best bin; the grade band from settings."""
import bisect
import math
from dataclasses import dataclass

from django.conf import settings

from peerfund.risk.features import FEATURE_BY_NAME, model_inputs

REASON_COUNT = 3


@dataclass(frozen=True)
class Reason:
    feature: str
    label: str
    value: str
    points_lost: int

    def text(self) -> str:
        return f"{self.label}: {self.value}"


@dataclass(frozen=True)
class Score:
    points: int
    probability_of_default: float
    grade: str
    reasons: tuple[Reason, ...]
    feature_points: dict[str, int]


def _points_for(spec: dict, value) -> int:
    if value is None:
        return spec["missing"]
    if spec["numeric"]:
        # Bin edges are the model's (JSON numbers); an amount arrives as a Decimal.
        return spec["points"][bisect.bisect_right(spec["splits"], value)]
    for group, points in zip(spec["groups"], spec["points"], strict=True):
        if value in group:
            return points
    return spec["missing"]


def grade_for(points: int) -> str:
    for grade, floor, *_terms in settings.PEERFUND_GRADES:
        if floor is not None and points >= floor:
            return grade
    return settings.PEERFUND_GRADES[-1][0]


def grade_terms(grade: str) -> dict:
    for name, floor, rate_min, rate_max, limit_fen in settings.PEERFUND_GRADES:
        if name == grade:
            return {"grade": name, "min_score": floor, "rate_min": rate_min, "rate_max": rate_max, "limit_fen": limit_fen}
    raise KeyError(grade)


def score_application(artefact: dict, application: dict) -> Score:
    """`application` is a cleaned application (features.clean_application)."""
    inputs = model_inputs(application)
    feature_points: dict[str, int] = {}
    lost: list[tuple[int, int, str]] = []
    for order, spec in enumerate(artefact["features"]):
        got = _points_for(spec, inputs.get(spec["name"]))
        feature_points[spec["name"]] = got
        lost.append((max(spec["points"]) - got, order, spec["name"]))
    total = sum(feature_points.values())
    scaling = artefact["scaling"]
    probability = 1 / (1 + math.exp((total - scaling["offset"]) / scaling["factor"]))
    reasons = tuple(
        Reason(name, str(FEATURE_BY_NAME[name].label), FEATURE_BY_NAME[name].value_label(application[name]), cost)
        for cost, _order, name in sorted(lost, key=lambda item: (-item[0], item[1]))[:REASON_COUNT]
        if cost > 0
    )
    return Score(total, round(probability, 4), grade_for(total), reasons, feature_points)


def score_add(artefact: dict, score: Score, points: int) -> Score:
    """The score with `points` added (history on this platform): probability and grade
    follow from the new total by the same scaling."""
    if not points:
        return score
    total = score.points + points
    scaling = artefact["scaling"]
    probability = 1 / (1 + math.exp((total - scaling["offset"]) / scaling["factor"]))
    return Score(total, round(probability, 4), grade_for(total), score.reasons, score.feature_points)


def population_stability(expected_edges: list[float], scores: list[int]) -> float | None:
    """PSI of `scores` against the training deciles (each decile holds 10 % there)."""
    if len(scores) < 20:
        return None
    counts = [0] * (len(expected_edges) + 1)
    for score in scores:
        counts[bisect.bisect_right(expected_edges, score)] += 1
    expected = 1 / len(counts)
    psi = 0.0
    for count in counts:
        actual = max(count / len(scores), 1e-4)
        psi += (actual - expected) * math.log(actual / expected)
    return round(psi, 4)
