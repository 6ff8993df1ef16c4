"""Overdue (逾期), penalty interest (罚息), write-off (坏账) and repayment reminders —
the daily close's work on repaying loans, each idempotent per business date.

Rules (per product):
- an instalment not paid by its due date plus `grace_days` is overdue;
- an overdue instalment runs up penalty interest of `penalty_rate_daily` on its unpaid
  principal (rounded to the fen) for every day after the due date (so paying within the grace days costs
  nothing extra); `penalty_through` records the last day charged, so running the close
  twice for a date charges nothing twice, and a skipped day is caught up;
- notices (due soon, due today, overdue) give the amount owed, service fee included,
  and the fee part of it (`fee`) so the borrower sees it;
- stages by days past due: M1 (1–30), M2 (31–60), M3+ (over 60);
- a loan whose oldest open instalment is `write_off_days` past due is written off:
  every open instalment and receivable is marked written off and the investors are told
  what they lost. No money moves — the claims were never money in the ledger. The
  unpaid service fee of the written-off instalments is waived (`fee_fen` lowered to
  what was paid of it): the loss is the platform's, never the investors', and a later
  recovery pays the investors only.
"""
import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q

from peerfund.accounts.models import User
from peerfund.core.money import format_fen, round_half_up
from peerfund.core.transitions import transition
from peerfund.lending.models import Loan, Receivable, RepaymentInstalment
from peerfund.notify.services import notify_many

Status = RepaymentInstalment.Status
STAGES = (("M1", 1, 30), ("M2", 31, 60), ("M3+", 61, None))


def overdue_stage(days_past_due: int) -> str:
    """M1, M2 or M3+ for an instalment `days_past_due` days after its due date ("" if not past due)."""
    for name, low, high in STAGES:
        if days_past_due >= low and (high is None or days_past_due <= high):
            return name
    return ""


def _penalty(instalment: RepaymentInstalment, rate: Decimal, through: dt.date) -> int:
    since = max(instalment.penalty_through or instalment.due_date, instalment.due_date)
    days = (through - since).days
    unpaid = instalment.principal_fen - instalment.principal_paid_fen
    if days <= 0 or unpaid <= 0:
        return 0
    return days * round_half_up(Decimal(unpaid) * rate)  # each day's penalty rounded to the fen


def loans_mark_overdue(*, loan_ids: list[int], on: dt.date) -> int:
    """Mark instalments overdue once past their grace days, and charge penalty interest
    through `on`. Returns how many instalments turned overdue."""
    open_ones = (
        RepaymentInstalment.objects.filter(loan_id__in=loan_ids, status__in=RepaymentInstalment.OPEN, due_date__lt=on)
        .select_related("loan__product", "loan__borrower").order_by("loan_id", "number")
    )
    with transaction.atomic():
        # Their loans first, in id order, then the instalments (docs/money-core.md,
        # "Lock order"): a borrower repaying meanwhile holds the loan before its instalments.
        list(Loan.objects.select_for_update(of=("self",)).filter(pk__in=open_ones.values("loan_id")).order_by("pk").values_list("pk", flat=True))
        changed, turned = [], []
        for instalment in open_ones.select_for_update(of=("self",)):
            product = instalment.loan.product
            if on <= instalment.due_date + dt.timedelta(days=product.grace_days):
                continue
            if instalment.status == Status.DUE:
                instalment.status = Status.OVERDUE
                turned.append(instalment)
            if (instalment.penalty_through or instalment.due_date) < on:
                instalment.penalty_fen += _penalty(instalment, product.penalty_rate_daily, on)
                instalment.penalty_through = on
            changed.append(instalment)
        RepaymentInstalment.objects.bulk_update(changed, ["status", "penalty_fen", "penalty_through"], batch_size=500)
        if turned:
            pairs = Q()
            for instalment in turned:
                pairs |= Q(investment__loan_id=instalment.loan_id, number=instalment.number)
            Receivable.objects.filter(pairs).update(status=Receivable.Status.OVERDUE)
            notify_many(
                notices=[(i.loan.borrower, {"loan": i.loan.title, "number": i.number, "amount": format_fen(i.owed_fen), "fee": format_fen(i.fee_fen - i.fee_paid_fen)})
                         for i in turned],
                event="repayment.overdue",
            )
    return len(turned)


def loans_write_off(*, loan_ids: list[int], on: dt.date) -> int:
    """Write off loans whose oldest open instalment is past the product's write-off
    days. Returns how many loans were written off."""
    written = 0
    for loan in Loan.objects.filter(pk__in=loan_ids, status=Loan.Status.DISBURSED).select_related("product"):
        oldest = loan.instalments.filter(status__in=RepaymentInstalment.OPEN).order_by("number").first()
        if oldest is None or (on - oldest.due_date).days < loan.product.write_off_days:
            continue
        with transaction.atomic():
            loan = Loan.objects.select_for_update(of=("self",)).select_related("product").get(pk=loan.pk)
            if loan.status != Loan.Status.DISBURSED:
                continue
            open_numbers = list(loan.instalments.filter(status__in=RepaymentInstalment.OPEN).values_list("number", flat=True))
            loan.instalments.filter(number__in=open_numbers).update(status=Status.WRITTEN_OFF, fee_fen=F("fee_paid_fen"))
            lost = (
                Receivable.objects.filter(investment__loan=loan, number__in=open_numbers)
                .exclude(status=Receivable.Status.RECEIVED)
            )
            losses: dict[int, int] = {}
            for investor_id, principal, received in lost.values_list("investment__investor_id", "principal_fen", "principal_received_fen"):
                losses[investor_id] = losses.get(investor_id, 0) + principal - received
            lost.update(status=Receivable.Status.WRITTEN_OFF)
            transition(loan, Loan.Status.WRITTEN_OFF, reason=f"{loan.product.write_off_days} days past due")
            investors = User.objects.filter(investments__loan=loan).distinct()
            notify_many(
                notices=[(investor, {"loan": loan.title, "principal": format_fen(losses.get(investor.pk, 0))}) for investor in investors],
                event="loan.written_off",
            )
            written += 1
    return written


def repayment_reminders(*, on: dt.date) -> int:
    """At the close of `on`, remind borrowers of instalments due in three days' time and
    due on the day that starts (T-3 and T-0). Overdue notices go out as instalments
    turn overdue. Once per instalment and kind: the close of a date runs once."""
    starting = on + dt.timedelta(days=1)
    sent = 0
    for days, event in ((3, "repayment.due_soon"), (0, "repayment.due_today")):
        due = RepaymentInstalment.objects.filter(status=Status.DUE, due_date=starting + dt.timedelta(days=days)).select_related("loan__borrower")
        notices = [
            (instalment.loan.borrower, {"loan": instalment.loan.title, "number": instalment.number, "amount": format_fen(instalment.owed_fen),
                                        "fee": format_fen(instalment.fee_fen - instalment.fee_paid_fen), "date": instalment.due_date.isoformat()})
            for instalment in due
        ]
        notify_many(notices=notices, event=event)
        sent += len(notices)
    return sent
