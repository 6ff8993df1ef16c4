"""The scorecard: trained reproducibly on the German credit data, meets its targets
against a plain logistic baseline in the same cross-validation, and the exported
points table scores exactly as the fitted model does."""
import json

import pytest
from django.conf import settings
from django.core.management import call_command

from peerfund.core.models import Alert
from peerfund.risk.features import FEATURES, clean_application
from peerfund.risk.models import CreditDecision, ScoreModel
from peerfund.risk.scoring import grade_for, grade_terms, population_stability, score_application
from peerfund.risk.services import credit_assess, psi_check
from peerfund.risk.training import cross_validate, fit_artefact, load_data
from peerfund.tests_support.applications import GOOD, WEAK


def test_cross_validated_scorecard_meets_its_targets_and_beats_the_baseline():
    result = cross_validate(scaling=dict(settings.PEERFUND_SCORE_SCALING))
    scorecard, baseline = result["scorecard"], result["baseline"]
    assert result["folds"] == 25
    assert scorecard["auc"] >= 0.79 and scorecard["ks"] >= 0.45
    assert scorecard["auc"] >= baseline["auc"] and scorecard["ks"] >= baseline["ks"]
    assert scorecard["gini"] == pytest.approx(2 * scorecard["auc"] - 1, abs=1e-3)


def test_training_is_reproducible(artefact):
    again = fit_artefact(scaling=dict(settings.PEERFUND_SCORE_SCALING))
    assert json.dumps(again, sort_keys=True) == json.dumps(artefact, sort_keys=True)
    assert artefact["training"]["rows"] == 1000 and artefact["training"]["bad_rate"] == 0.3
    assert [f["name"] for f in artefact["features"]] == [f.name for f in FEATURES]
    assert "personal_status_and_sex" not in json.dumps(artefact)  # protected attributes left out


def test_exported_points_score_exactly_like_the_fitted_model(artefact):
    from peerfund.risk.training import _scorecard

    X, y, _digest = load_data()
    model = _scorecard(dict(settings.PEERFUND_SCORE_SCALING)).fit(X, y)
    expected = model.score(X)
    for index, row in enumerate(X.to_dict("records")):
        application = {name: (int(value) * 10 if name == "credit_amount" else (int(value) if isinstance(value, (int, float)) else value)) for name, value in row.items()}
        assert score_application(artefact, clean_application(application)).points == int(expected[index])


def test_reason_codes_are_the_costliest_attributes_and_stable(artefact):
    weak = score_application(artefact, clean_application(WEAK))
    good = score_application(artefact, clean_application(GOOD))
    assert good.points > weak.points and good.probability_of_default < weak.probability_of_default
    assert [r.feature for r in weak.reasons] == [r.feature for r in score_application(artefact, clean_application(WEAK)).reasons]
    assert [r.feature for r in weak.reasons] == ["credit_amount", "duration_in_month", "status_of_existing_checking_account"]
    costs = [r.points_lost for r in weak.reasons]
    assert costs == sorted(costs, reverse=True) and costs[-1] > 0
    assert "overdrawn" in weak.reasons[2].text() or "透支" in weak.reasons[2].text()


def test_grades_map_to_rates_and_limits():
    assert [grade_for(p) for p in (600, 560, 530, 510, 490, 400)] == ["A", "B", "C", "D", "E", "HR"]
    # Rate bands inside the legal ceiling (settings.PEERFUND_GRADES).
    assert grade_terms("A") == {"grade": "A", "min_score": 572, "rate_min": "0.0500", "rate_max": "0.0650", "limit_fen": 20_000_000}
    assert grade_terms("HR")["limit_fen"] == 0


def test_an_application_is_decided_with_the_model_version(active_model, make_user):
    user = make_user(username="applicant")
    decision = credit_assess(user=user, application=GOOD)
    assert decision.model == active_model and decision.grade in ("A", "B") and decision.outcome == "pass"
    weak = credit_assess(user=user, application=WEAK)
    assert weak.grade in ("E", "HR") and weak.outcome in ("review", "reject")
    assert [r["feature"] for r in weak.reasons] == ["credit_amount", "duration_in_month", "status_of_existing_checking_account"]
    with pytest.raises(Exception) as excinfo:
        credit_assess(user=user, application={**GOOD, "purpose": "yacht"})
    assert excinfo.value.extra["field"] == "purpose"


def test_psi_compares_new_applicants_with_training(active_model, make_user, artefact):
    edges = artefact["training"]["score_deciles"]
    assert population_stability(edges, list(range(10))) is None  # too few to say
    spread = [int(e) - 1 for e in edges] * 5 + [int(edges[-1]) + 5] * 5
    assert population_stability(edges, spread) < 0.1
    user = make_user(username="drift")
    for _ in range(25):
        credit_assess(user=user, application=GOOD)  # everyone scores high: the population moved
    assert psi_check() > 0.25
    assert Alert.objects.filter(kind="risk.psi").exists()
    assert CreditDecision.objects.count() == 25


def test_risk_train_writes_a_versioned_artefact(db, tmp_path, settings, capsys):
    settings.PEERFUND_MODEL_DIR = tmp_path
    call_command("risk_train", "--no-cv", "--activate")
    model = ScoreModel.objects.get(is_active=True)
    stored = json.loads((tmp_path / f"{model.version}.json").read_text())
    assert stored["version"] == model.version and stored["training"]["data_sha256"] == model.data_sha256
    assert model.features == [f.name for f in FEATURES]
    assert "written to" in capsys.readouterr().out
