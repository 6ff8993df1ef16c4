"""Risk decisions the rest of the platform calls:

- `risk_gate(event=…)` before registration, login, deposit and withdrawal (and, from
  the lending and crowdfunding capabilities, bid and pledge): runs the rules on the
  event's signals and refuses with a message that reveals nothing of why (staff see
  the full evaluation);
- `credit_assess(user=, application=)` for a loan application: the active scorecard's
  score, grade and reason codes, then the application rules with those in the signals;
- `score_model_train` / `score_model_activate` for the model's life cycle.
"""
import datetime as dt
import json
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.core import clock
from peerfund.core.alerts import alert_raise
from peerfund.core.audit import audit_record
from peerfund.core.errors import ApplicationError, Forbidden
from peerfund.risk.features import FEATURES, clean_application
from peerfund.risk.history import PlatformHistory, history_bonus, history_declines
from peerfund.risk.models import CreditDecision, Event, ScoreModel
from peerfund.risk.rules import Outcome, evaluate, evaluate_many
from peerfund.risk.scoring import grade_terms, population_stability, score_add, score_application
from peerfund.risk.signals import UNKNOWN_ORIGIN, Origin, SignalBatch, Subject, collect


class RiskRefused(Forbidden):
    """Shown to the user as it is: it must not say which rule or list refused them."""


def refused() -> RiskRefused:
    return RiskRefused(_("We cannot do this for you right now. Please contact customer service."), "risk.refused")


def risk_gate(
    *, event: str, user=None, origin: Origin = UNKNOWN_ORIGIN, phone: str = "", amount_fen: int | None = None, reviewable: bool = False
) -> Outcome:
    """Evaluate the rules of `event`; raise RiskRefused on a reject. A caller whose
    flow has a manual review (withdrawals) passes `reviewable` and acts on
    `needs_review`; elsewhere a review outcome becomes an alert for the risk team."""
    outcome = risk_gate_many(event=event, subjects=[Subject(user=user, origin=origin, phone=phone, amount_fen=amount_fen)], reviewable=reviewable)[0]
    if isinstance(outcome, RiskRefused):
        raise outcome
    return outcome


def risk_gate_many(*, event: str, subjects: list[Subject], reviewable: bool = False) -> list[Outcome | RiskRefused]:
    """`risk_gate` for a batch of subjects of one event (a batch of bids): the
    signals and the evaluation log are read and written once for all. Each subject
    gets its Outcome, or the RiskRefused to raise for it."""
    batch = SignalBatch(event, subjects)
    outcomes = evaluate_many(event=event, cases=[(subject.user, batch[n]) for n, subject in enumerate(subjects)])
    results: list[Outcome | RiskRefused] = []
    for outcome in outcomes:
        if outcome.needs_review and not reviewable:
            alert_raise(kind=f"risk.{event}", message=f"Review asked by {', '.join(h['name'] for h in outcome.hits)}", ref=f"evaluation:{outcome.evaluation.pk}")
        results.append(refused() if outcome.rejected else outcome)
    return results


# --- the credit model ---------------------------------------------------------------


def active_model() -> ScoreModel:
    model = ScoreModel.objects.filter(is_active=True).first()
    if model is None:
        raise ApplicationError(_("No credit model is active; train one and activate it in the back office."), "risk.no_model")
    return model


def score_model_train(*, cross_validate: bool = True, activate: bool = False) -> ScoreModel:
    """Fit the scorecard, evaluate it (5×5 repeated stratified CV against a one-hot
    logistic baseline), write the artefact file and its row."""
    from peerfund.risk import training

    scaling = dict(settings.PEERFUND_SCORE_SCALING)
    artefact = training.fit_artefact(scaling=scaling)
    metrics = {"training": artefact["training"]}
    if cross_validate:
        metrics["cross_validation"] = training.cross_validate(scaling=scaling)
    version = f"gc-{clock.now():%Y%m%d-%H%M%S}-{artefact['training']['data_sha256'][:6]}"
    directory = settings.PEERFUND_MODEL_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{version}.json"
    path.write_text(json.dumps({"version": version, "metrics": metrics, **artefact}, ensure_ascii=False, indent=1))
    model = ScoreModel.objects.create(
        version=version,
        artefact=artefact,
        metrics=metrics,
        data_sha256=artefact["training"]["data_sha256"],
        features=[f.name for f in FEATURES],
        artefact_path=str(path),
    )
    if activate:
        score_model_activate(staff=None, model=model)
    return model


def score_model_activate(*, staff, model: ScoreModel) -> ScoreModel:
    with transaction.atomic():
        ScoreModel.objects.filter(is_active=True).update(is_active=False)
        ScoreModel.objects.filter(pk=model.pk).update(is_active=True)
        audit_record(actor=staff, action="risk.model_activate", obj=model)
    model.refresh_from_db()
    return model


def credit_assess(*, user, application: dict, origin: Origin = UNKNOWN_ORIGIN, history: PlatformHistory | None = None) -> CreditDecision:
    """Score a loan application and run the application rules. The decision records
    the model version; a blacklisted or rejected applicant gets `outcome="reject"`.

    `history` is the borrower's record on this platform (risk.history): a written-off
    loan still owing or an instalment overdue past its grace days declines the
    application whatever the score, with those reasons first; loans repaid on time
    add points before the grade is read."""
    history = history or PlatformHistory()
    try:
        cleaned = clean_application(application)
    except ValueError as exc:
        raise ApplicationError(_("Answer this question with one of the offered values."), "risk.application_field", {"field": str(exc)}) from exc
    model = active_model()
    declines = history_declines(history)
    bonus = history_bonus(history)
    score = score_add(model.artefact, score_application(model.artefact, cleaned), bonus)
    terms = grade_terms(score.grade)
    signals = collect(
        event=Event.APPLICATION,
        user=user,
        origin=origin,
        amount_fen=cleaned["credit_amount"] * 100,
        extra={
            "score": score.points, "grade": score.grade, "probability_of_default": score.probability_of_default,
            "history_written_off": history.written_off_loans, "history_overdue": history.overdue_loans,
            "history_settled_on_time": history.settled_on_time,
        },
    )
    outcome = evaluate(event=Event.APPLICATION, signals=signals, user=user)
    reasons = [{"feature": r.feature, "text": r.text(), "points_lost": r.points_lost} for r in score.reasons]
    decision = CreditDecision.objects.create(
        user=user,
        model=model,
        application=cleaned,
        score=score.points,
        probability_of_default=Decimal(str(score.probability_of_default)),
        grade=score.grade,
        reasons=declines + reasons,
        outcome="reject" if declines else outcome.outcome if outcome.outcome != "alert" else "pass",
        evaluation=outcome.evaluation,
        history=history.as_dict(),
        history_points=bonus,
    )
    decision.terms = terms
    return decision


def psi_check(*, days: int = 30) -> float | None:
    """Population stability of new applicants' scores against the training data;
    above PEERFUND_PSI_ALERT it raises an alert for the risk team."""
    model = active_model()
    since = clock.now() - dt.timedelta(days=days)
    scores = list(CreditDecision.objects.filter(model=model, created_at__gte=since).values_list("score", flat=True))
    psi = population_stability(model.artefact["training"]["score_deciles"], scores)
    if psi is not None and psi > float(settings.PEERFUND_PSI_ALERT):
        alert_raise(
            kind="risk.psi",
            message=f"Score distribution of new applicants has shifted: PSI {psi} over {len(scores)} applications (model {model.version})",
            ref=f"model:{model.pk}",
        )
    return psi
