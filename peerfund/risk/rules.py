"""The rules engine: operators' conditions in rule-engine's safe expression language
(no `eval`), compiled once per rule version and cached, evaluated by priority; every
evaluation is logged with its signals and the rules it hit."""
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import rule_engine
from django.db import transaction
from django.utils.translation import gettext as _

from peerfund.core import clock
from peerfund.core.alerts import alert_raise
from peerfund.core.audit import audit_record
from peerfund.core.errors import ApplicationError
from peerfund.risk.models import Action, Evaluation, Rule

SEVERITY = {"pass": 0, Action.ALERT: 1, Action.REVIEW: 2, Action.REJECT: 3}
_CONTEXT = rule_engine.Context(default_value=None)


class RuleSyntaxError(ApplicationError):
    pass


@lru_cache(maxsize=512)
def _compiled(condition: str) -> rule_engine.Rule:
    return rule_engine.Rule(condition, context=_CONTEXT)


def compile_condition(condition: str) -> rule_engine.Rule:
    try:
        return _compiled(condition.strip())
    except rule_engine.errors.EngineError as exc:
        raise RuleSyntaxError(_("The condition is not valid: %(error)s") % {"error": exc.message}, "risk.rule_syntax", {"field": "condition"}) from exc


def matches(condition: str, signals: dict) -> bool:
    try:
        return bool(compile_condition(condition).matches(signals))
    except rule_engine.errors.EngineError as exc:  # e.g. comparing None with a number
        raise RuleSyntaxError(_("The condition failed on this input: %(error)s") % {"error": exc.message}, "risk.rule_runtime", {"field": "condition"}) from exc


@dataclass(frozen=True)
class Outcome:
    outcome: str  # pass, alert, review, reject
    hits: list[dict]
    evaluation: Evaluation

    @property
    def rejected(self) -> bool:
        return self.outcome == Action.REJECT

    @property
    def needs_review(self) -> bool:
        return self.outcome == Action.REVIEW


def evaluate(*, event: str, signals: Mapping, user=None) -> Outcome:
    """Run the enabled rules of `event` in priority order; the most severe action of
    the rules that hit is the outcome. A rule that fails at run time is skipped and
    raises an alert rather than blocking users."""
    return evaluate_many(event=event, cases=[(user, signals)])[0]


def evaluate_many(*, event: str, cases: list[tuple[object, Mapping]]) -> list[Outcome]:
    """`evaluate` for several (user, signals) cases of one event: the rules are read
    once and the evaluations written in one statement."""
    rules = list(Rule.objects.filter(event=event, enabled=True).order_by("priority", "id"))
    now = clock.now()
    results = []
    for _user, signals in cases:
        hits = []
        for rule in rules:
            try:
                hit = matches(rule.condition, signals)
            except RuleSyntaxError as error:
                alert_raise(kind="risk.rule_broken", message=f"Rule {rule.pk} ({rule.name}) failed: {error.message}", ref=f"rule:{rule.pk}")
                continue
            if hit:
                hits.append({"rule": rule.pk, "name": rule.name, "action": rule.action})
        results.append((hits, max((hit["action"] for hit in hits), key=SEVERITY.__getitem__, default="pass")))
    evaluations = Evaluation.objects.bulk_create(
        Evaluation(event=event, user=user, signals=dict(signals), hits=hits, outcome=outcome, created_at=now)
        for (user, signals), (hits, outcome) in zip(cases, results, strict=True)
    )
    for evaluation in evaluations:
        if evaluation.outcome == Action.ALERT:
            transaction.on_commit(
                lambda e=evaluation: alert_raise(kind=f"risk.{event}", message=f"Rules {', '.join(h['name'] for h in e.hits)} hit", ref=f"evaluation:{e.pk}")
            )
    return [Outcome(e.outcome, e.hits, e) for e in evaluations]


def rule_save(*, staff, rule: Rule | None, **fields) -> Rule:
    """Create or change a rule; the condition must compile. Audited."""
    compile_condition(fields["condition"])
    if fields.get("action") not in Action.values:
        raise ApplicationError(_("Choose an action."), "risk.rule_action", {"field": "action"})
    before = {} if rule is None else {"condition": rule.condition, "action": rule.action, "enabled": rule.enabled}
    rule = rule or Rule()
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.updated_by = staff
    rule.save()
    audit_record(actor=staff, action="risk.rule_save", obj=rule, data={"before": before, "after": fields})
    return rule


def rule_try(*, condition: str, signals: dict) -> bool:
    """Test a condition against a sample input before saving it (no side effects)."""
    return matches(condition, signals)
