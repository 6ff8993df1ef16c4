"""Risk-tolerance assessments; `user_risk_level` is what products check (适当性管理)."""
import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import RiskAssessment, User
from peerfund.accounts.questionnaire import QUESTIONS, level_for
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.notify.services import notify


def assessment_submit(*, user: User, answers: dict[str, int]) -> RiskAssessment:
    """`answers` maps each question key to the index of the chosen option."""
    missing = [q.key for q in QUESTIONS if q.key not in answers]
    if missing:
        raise AccountError(_("Answer every question."), "risk.incomplete", {"fields": missing})
    score = 0
    for question in QUESTIONS:
        choice = answers[question.key]
        if not isinstance(choice, int) or not 0 <= choice < len(question.options):
            raise AccountError(_("Choose one of the offered answers."), "risk.invalid_answer", {"field": question.key})
        score += question.options[choice][1]
    taken = clock.now()
    assessment = RiskAssessment.objects.create(
        user=user,
        answers={key: answers[key] for key in (q.key for q in QUESTIONS)},
        score=score,
        level=level_for(score),
        taken_at=taken,
        expires_on=clock.business_date() + dt.timedelta(days=settings.PEERFUND_RISK_ASSESSMENT_VALID_DAYS),
    )
    audit_record(actor=user, action="risk.assess", obj=assessment, to_state=assessment.level)
    notify(user=user, event="risk.assessed", context={"level": assessment.get_level_display(), "expires": assessment.expires_on})
    return assessment


def current_assessment(user: User) -> RiskAssessment | None:
    return RiskAssessment.objects.filter(user=user, expires_on__gte=clock.business_date()).order_by("-id").first()


def user_risk_level(user: User) -> str | None:
    """The user's valid level (C1..C5), or None when missing or expired: no investing."""
    return user_risk_levels([user.pk])[user.pk]


def user_risk_levels(user_ids) -> dict[int, str | None]:
    """`user_risk_level` for many users in one query (a batch of bids)."""
    levels: dict[int, str | None] = dict.fromkeys(user_ids)
    valid = RiskAssessment.objects.filter(user_id__in=list(levels), expires_on__gte=clock.business_date()).order_by("-id")
    for user_id, level in valid.values_list("user_id", "level"):
        if levels[user_id] is None:
            levels[user_id] = level
    return levels
