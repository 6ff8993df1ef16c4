"""Anti-money-laundering (反洗钱) monitoring of money in and out. Each pattern raises
at most one alert per transaction into the compliance queue; nothing is blocked here
(the rules can do that), everything is reported.

- large: one movement at or above PEERFUND_AML_LARGE_FEN;
- structuring: three or more deposits in 7 days each just under the threshold (90–100 %);
- rapid: a withdrawal of at least half of what was deposited in the last 7 days;
- deposit_withdraw: a withdrawal of 80 % or more of the last 30 days' deposits with no
  investing at all in between.
"""
import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from peerfund.core import clock
from peerfund.core.money import format_fen
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.ledger.models import Posting
from peerfund.risk.models import AmlAlert

Kind = AmlAlert.Kind


def _raise(kind: str, user, amount: int, ref: str, detail: str) -> AmlAlert | None:
    try:
        with transaction.atomic():
            return AmlAlert.objects.create(kind=kind, user=user, amount_fen=amount, ref=ref, detail=detail[:255])
    except IntegrityError:
        return None  # already reported for this transaction


def _deposits_since(user, days: int):
    since = clock.business_date() - dt.timedelta(days=days)
    return Posting.objects.filter(
        account__owner=user, account__kind=AccountKind.USER_AVAILABLE, entry__kind=EntryKind.DEPOSIT, entry__business_date__gte=since
    )


def _invested_since(user, days: int) -> bool:
    since = clock.business_date() - dt.timedelta(days=days)
    outflows = Posting.objects.filter(account__owner=user, amount_fen__lt=0, entry__business_date__gte=since).filter(
        Q(entry__kind__in=[EntryKind.LOAN_DISBURSE, EntryKind.CLAIM_TRANSFER, EntryKind.PLEDGE_FUND])
        | (Q(entry__kind=EntryKind.FREEZE) & ~Q(entry__ref__startswith="withdrawal"))
    )
    return outflows.exists()


def aml_on_deposit(*, user, amount_fen: int, ref: str) -> list[AmlAlert]:
    threshold = settings.PEERFUND_AML_LARGE_FEN
    alerts = []
    if amount_fen >= threshold:
        alerts.append(_raise(Kind.LARGE, user, amount_fen, ref, f"deposit of {format_fen(amount_fen)} (report threshold {format_fen(threshold)})"))
    just_under = _deposits_since(user, 7).filter(amount_fen__gte=threshold * 9 // 10, amount_fen__lt=threshold)
    if amount_fen < threshold and just_under.count() >= 3:
        total = just_under.aggregate(t=Sum("amount_fen"))["t"]
        alerts.append(_raise(Kind.STRUCTURING, user, total, ref, f"{just_under.count()} deposits just under {format_fen(threshold)} in 7 days"))
    return [a for a in alerts if a]


def aml_on_withdrawal(*, user, amount_fen: int, ref: str) -> list[AmlAlert]:
    threshold = settings.PEERFUND_AML_LARGE_FEN
    alerts = []
    if amount_fen >= threshold:
        alerts.append(_raise(Kind.LARGE, user, amount_fen, ref, f"withdrawal of {format_fen(amount_fen)}"))
    week = _deposits_since(user, 7).aggregate(t=Sum("amount_fen"))["t"] or 0
    if week and amount_fen * 2 >= week:
        alerts.append(_raise(Kind.RAPID, user, amount_fen, ref, f"withdrawing {format_fen(amount_fen)} of {format_fen(week)} deposited in 7 days"))
    month = _deposits_since(user, 30).aggregate(t=Sum("amount_fen"))["t"] or 0
    if month and amount_fen * 10 >= month * 8 and not _invested_since(user, 30):
        alerts.append(
            _raise(Kind.DEPOSIT_WITHDRAW, user, amount_fen, ref, f"{format_fen(month)} deposited in 30 days, nothing invested, {format_fen(amount_fen)} withdrawn")
        )
    return [a for a in alerts if a]


def aml_alert_update(*, staff, alert: AmlAlert, status: str, note: str) -> AmlAlert:
    from peerfund.core.audit import audit_record

    if status not in AmlAlert.Status.values:
        raise ValueError(status)
    previous = alert.status
    alert.status = status
    if note.strip():
        stamp = f"{clock.localtime(clock.now()):%Y-%m-%d %H:%M} {staff}: {note.strip()}"
        alert.notes = f"{alert.notes}\n{stamp}".strip()
    alert.handled_by = staff
    alert.save(update_fields=["status", "notes", "handled_by", "updated_at"])
    audit_record(actor=staff, action="aml.update", obj=alert, from_state=previous, to_state=status, reason=note)
    return alert
