"""The daily statistics snapshot (taken by the daily close): the figures the home
page, the disclosure page and the back-office trends show. Each key below is
defined once, here; all amounts in fen.

- users, users_new: registered non-staff users; those who joined that day
- deposits_fen, withdrawals_fen, invested_fen: booked deposits and withdrawals, and
  money frozen for bids, that business day (from the ledger, so the platform clock
  decides the day)
- loans_listed, loans_disbursed: loans listed, and disbursed, that day; loans_full:
  loans full and waiting for disbursement
- lent_total_fen, lent_total_loans: principal and number of every loan ever disbursed
- interest_earned_fen: interest and penalty interest investors have received
- loans_in_progress: disbursed loans not yet settled or written off (repaying)
- outstanding_fen, outstanding_loans: principal the borrowers still owe, and on how
  many loans: repaying loans and written-off loans not yet recovered (a write-off
  does not make a debt disappear from what the platform discloses)
- borrowers_total, lenders_total: people who ever borrowed / lent; borrowers_now,
  lenders_now: with principal owed / a claim not yet paid (written-off claims too)
- overdue_fen, overdue_loans, overdue_rate: unpaid principal of loans with an overdue
  instalment or written off and not recovered, their number, and the share of
  outstanding_fen (M1+); overdue_90_fen, overdue_90_loans, overdue_90_rate: the same
  for loans more than 90 days overdue (M3+) — a written-off loan counts here until
  it is recovered
- written_off_fen, written_off_loans: principal written off (坏账), cumulative, as it
  stood at each write-off; recovered_fen: principal repaid on those loans after the
  write-off (坏账回收). written_off_fen − recovered_fen is still owed.
- top1_share, top10_share: the largest / ten largest borrowers' share of outstanding_fen
- related_loans, related_fen: loans outstanding to staff of the platform or to a
  disclosed related party (disclosure.RelatedParty), and their unpaid principal
- fee_schedule: the fees of the day (each product's service, transfer, prepayment and
  penalty rates as decimal strings, the withdrawal fee in fen, the tiers that
  withdraw free, the crowdfunding fee rate)
- cf_raised_fen, cf_projects_funding, cf_success_rate, cf_pledged_today_fen
"""
import datetime as dt
from decimal import Decimal

from django.db.models import BigIntegerField, CharField, Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast

from peerfund.accounts.models import User
from peerfund.core import clock
from peerfund.core.models import AuditLog
from peerfund.crowdfunding.models import Pledge, Project
from peerfund.crowdfunding.selectors import platform_figures
from peerfund.disclosure.models import DailySnapshot, RelatedParty
from peerfund.ledger.chart import EntryKind
from peerfund.ledger.models import Entry, Posting
from peerfund.lending.models import Investment, Loan, Receivable, Repayment, RepaymentInstalment

LENT = (Loan.Status.DISBURSED, Loan.Status.SETTLED, Loan.Status.WRITTEN_OFF)


def _ratio(part: int, whole: int) -> str:
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))) if whole else "0"


def _day(on: dt.date) -> Q:
    return Q(created_at__gte=clock.day_start(on), created_at__lt=clock.day_start(on + dt.timedelta(days=1)))


def _booked(kind: str, on: dt.date) -> int:
    """Money that left users' balances for the outside world (withdrawals) or came in
    (deposits) that day: the clearing account's legs of those entries."""
    legs = Posting.objects.filter(entry__kind=kind, entry__business_date=on, account__kind="custody_clearing")
    return abs(legs.aggregate(total=Sum("amount_fen"))["total"] or 0)


def _write_offs():
    """The audit rows of loans' write-offs: when each loan was written off (a loan is
    written off once; a recovered one is later settled, and its row stays)."""
    return AuditLog.objects.filter(action="loan.written_off", object_type="lending.loan")


def written_off_figures() -> dict[str, int]:
    """Principal written off as it stood at each write-off, and recovered since: the
    principal still unpaid on those loans plus what repayments made after the
    write-off paid of it (before it, nothing was written off)."""
    written = _write_offs().annotate(loan_pk=Cast("object_id", BigIntegerField())).values("loan_pk")
    written_at = _write_offs().filter(object_id=Cast(OuterRef("loan_id"), CharField())).order_by("id").values("created_at")[:1]
    recovered = (
        Repayment.objects.filter(loan_id__in=written).annotate(written_at=Subquery(written_at))
        .filter(created_at__gt=F("written_at")).aggregate(total=Sum("principal_fen"))["total"] or 0
    )
    unpaid = RepaymentInstalment.objects.filter(loan_id__in=written).aggregate(total=Sum(F("principal_fen") - F("principal_paid_fen")))["total"] or 0
    return {"written_off_fen": unpaid + recovered, "recovered_fen": recovered, "written_off_loans": Loan.objects.filter(pk__in=written).count()}


def _fee_schedule() -> dict:
    from peerfund.disclosure.selectors import fee_schedule

    fees = fee_schedule()
    return {
        "products": [{key: str(value) for key, value in product.items()} for product in fees["products"]],
        "withdraw_fee_fen": fees["withdraw_fee_fen"],
        "fee_free_tiers": list(fees["fee_free_tiers"]),
        "crowdfunding_fee_rate": str(fees["crowdfunding_fee_rate"]),
    }


def statistics_compute(on: dt.date) -> dict:
    """Every figure as a database aggregate, so the cost does not grow in Python with
    the size of the book (the dashboard calls this live)."""
    open_instalments = RepaymentInstalment.objects.filter(loan__status=Loan.Status.DISBURSED, status__in=RepaymentInstalment.OPEN)
    # What borrowers still owe: repaying loans' open instalments and written-off loans'
    # instalments not yet recovered.
    owed = RepaymentInstalment.objects.filter(
        Q(loan__status=Loan.Status.DISBURSED, status__in=RepaymentInstalment.OPEN)
        | Q(loan__status=Loan.Status.WRITTEN_OFF, status=RepaymentInstalment.Status.WRITTEN_OFF)
    ).filter(principal_paid_fen__lt=F("principal_fen"))
    unpaid = Sum(F("principal_fen") - F("principal_paid_fen"))

    def left(rows) -> int:
        return rows.aggregate(total=unpaid)["total"] or 0

    def loans(rows) -> int:
        return rows.values("loan_id").distinct().count()

    overdue_since = open_instalments.filter(status=RepaymentInstalment.Status.OVERDUE)
    written_off = Q(loan__status=Loan.Status.WRITTEN_OFF)
    overdue_rows = owed.filter(Q(loan_id__in=overdue_since.values("loan_id")) | written_off)
    late_rows = owed.filter(Q(loan_id__in=overdue_since.filter(due_date__lt=on - dt.timedelta(days=90)).values("loan_id")) | written_off)
    outstanding, overdue, late = left(owed), left(overdue_rows), left(late_rows)
    top10 = list(owed.values("loan__borrower_id").annotate(total=unpaid).order_by("-total").values_list("total", flat=True)[:10])
    related = owed.filter(Q(loan__borrower__is_staff=True) | Q(loan__borrower_id__in=RelatedParty.objects.values("user_id")))
    received = Receivable.objects.aggregate(i=Sum("interest_received_fen"), p=Sum("penalty_received_fen"))
    lent = Loan.objects.filter(status__in=LENT).aggregate(total=Sum("amount_fen"), n=Count("id"))
    crowdfunding = platform_figures()
    return {
        "users": User.objects.filter(is_staff=False).count(),
        "users_new": User.objects.filter(is_staff=False, date_joined__gte=clock.day_start(on), date_joined__lt=clock.day_start(on + dt.timedelta(days=1))).count(),
        "deposits_fen": _booked(EntryKind.DEPOSIT, on),
        "withdrawals_fen": _booked(EntryKind.WITHDRAWAL, on),
        "invested_fen": Posting.objects.filter(entry__kind=EntryKind.FREEZE, entry__key__startswith="bid:", entry__business_date=on, amount_fen__gt=0)
        .aggregate(total=Sum("amount_fen"))["total"] or 0,
        "loans_listed": Loan.objects.filter(listed_at__gte=clock.day_start(on), listed_at__lt=clock.day_start(on + dt.timedelta(days=1))).count(),
        "loans_full": Loan.objects.filter(status=Loan.Status.FULL).count(),
        "loans_disbursed": Entry.objects.filter(kind=EntryKind.LOAN_DISBURSE, business_date=on).count(),
        "lent_total_fen": lent["total"] or 0,
        "lent_total_loans": lent["n"],
        "interest_earned_fen": (received["i"] or 0) + (received["p"] or 0),
        "loans_in_progress": loans(open_instalments),
        "outstanding_fen": outstanding,
        "outstanding_loans": loans(owed),
        "borrowers_total": Loan.objects.filter(status__in=LENT).values("borrower_id").distinct().count(),
        "lenders_total": Investment.objects.values("investor_id").distinct().count(),
        "borrowers_now": owed.values("loan__borrower_id").distinct().count(),
        "lenders_now": Receivable.objects.filter(status__in=Receivable.UNPAID, principal_received_fen__lt=F("principal_fen"))
        .values("investment__investor_id").distinct().count(),
        "overdue_fen": overdue,
        "overdue_loans": loans(overdue_rows),
        "overdue_rate": _ratio(overdue, outstanding),
        "overdue_90_fen": late,
        "overdue_90_loans": loans(late_rows),
        "overdue_90_rate": _ratio(late, outstanding),
        **written_off_figures(),
        "top1_share": _ratio(sum(top10[:1]), outstanding),
        "top10_share": _ratio(sum(top10), outstanding),
        "related_loans": loans(related),
        "related_fen": left(related),
        "fee_schedule": _fee_schedule(),
        "cf_raised_fen": crowdfunding["raised_fen"],
        "cf_projects_funding": crowdfunding["funding"],
        "cf_success_rate": str(crowdfunding["success_rate"] or 0),
        "cf_pledged_today_fen": Pledge.objects.filter(_day(on)).aggregate(total=Sum("amount_fen"))["total"] or 0,
        "cf_projects": Project.objects.filter(status__in=Project.PUBLIC).count(),
    }


def snapshot_take(*, on: dt.date) -> DailySnapshot:
    """Compute and store the day's figures (again, if the close runs again)."""
    snapshot, _created = DailySnapshot.objects.update_or_create(business_date=on, defaults={"figures": statistics_compute(on)})
    return snapshot


def latest_snapshot() -> DailySnapshot | None:
    return DailySnapshot.objects.order_by("-business_date").first()


