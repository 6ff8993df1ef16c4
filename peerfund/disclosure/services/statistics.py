"""The daily statistics snapshot (taken by the daily close): the figures the home
page, the disclosure page and the back-office trends show. Each key below is
defined once, here; all amounts in fen.

- users, users_new: registered non-staff users; those who joined that day
- deposits_fen, withdrawals_fen, invested_fen: booked deposits and withdrawals, and
  money frozen for bids, that business day (from the ledger, so the platform clock
  decides the day)
- loans_listed, loans_disbursed: loans listed, and disbursed, that day; loans_full:
  loans full and waiting for disbursement
- lent_total_fen: principal of every loan ever disbursed
- interest_earned_fen: interest and penalty interest investors have received
- loans_in_progress, outstanding_fen: disbursed loans not yet settled, and their
  unpaid principal
- borrowers_total, lenders_total: people who ever borrowed / lent; borrowers_now,
  lenders_now: with a loan / a claim outstanding
- overdue_fen, overdue_rate: unpaid principal of loans with an overdue instalment,
  and its share of outstanding_fen (M1+); overdue_90_fen, overdue_90_rate: the same
  for loans more than 90 days overdue (M3+)
- top10_share: the ten largest borrowers' share of outstanding_fen
- related_loans, related_fen: loans outstanding to staff of the platform
- cf_raised_fen, cf_projects_funding, cf_success_rate, cf_pledged_today_fen
"""
import datetime as dt
from decimal import Decimal

from django.db.models import F, Q, Sum

from peerfund.accounts.models import User
from peerfund.core import clock
from peerfund.crowdfunding.models import Pledge, Project
from peerfund.crowdfunding.selectors import platform_figures
from peerfund.disclosure.models import DailySnapshot
from peerfund.ledger.chart import EntryKind
from peerfund.ledger.models import Entry, Posting
from peerfund.lending.models import Investment, Loan, Receivable, RepaymentInstalment

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


def statistics_compute(on: dt.date) -> dict:
    """Every figure as a database aggregate, so the cost does not grow in Python with
    the size of the book (the dashboard calls this live)."""
    open_instalments = RepaymentInstalment.objects.filter(loan__status=Loan.Status.DISBURSED, status__in=RepaymentInstalment.OPEN)
    unpaid = Sum(F("principal_fen") - F("principal_paid_fen"))

    def left(rows) -> int:
        return rows.aggregate(total=unpaid)["total"] or 0

    overdue_since = open_instalments.filter(status=RepaymentInstalment.Status.OVERDUE)
    outstanding = left(open_instalments)
    overdue = left(open_instalments.filter(loan_id__in=overdue_since.values("loan_id")))
    late = left(open_instalments.filter(loan_id__in=overdue_since.filter(due_date__lt=on - dt.timedelta(days=90)).values("loan_id")))
    top10 = open_instalments.values("loan__borrower_id").annotate(total=unpaid).order_by("-total").values_list("total", flat=True)[:10]
    related = open_instalments.filter(loan__borrower__is_staff=True)
    received = Receivable.objects.aggregate(i=Sum("interest_received_fen"), p=Sum("penalty_received_fen"))
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
        "lent_total_fen": Loan.objects.filter(status__in=LENT).aggregate(total=Sum("amount_fen"))["total"] or 0,
        "interest_earned_fen": (received["i"] or 0) + (received["p"] or 0),
        "loans_in_progress": open_instalments.values("loan_id").distinct().count(),
        "outstanding_fen": outstanding,
        "borrowers_total": Loan.objects.filter(status__in=LENT).values("borrower_id").distinct().count(),
        "lenders_total": Investment.objects.values("investor_id").distinct().count(),
        "borrowers_now": open_instalments.values("loan__borrower_id").distinct().count(),
        "lenders_now": Receivable.objects.filter(status__in=Receivable.OPEN).values("investment__investor_id").distinct().count(),
        "overdue_fen": overdue,
        "overdue_rate": _ratio(overdue, outstanding),
        "overdue_90_fen": late,
        "overdue_90_rate": _ratio(late, outstanding),
        "top10_share": _ratio(sum(top10), outstanding),
        "related_loans": related.values("loan_id").distinct().count(),
        "related_fen": left(related),
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


