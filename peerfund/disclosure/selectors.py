"""Reads for the public pages: figures with their trends, the fee schedule, the
monthly report, and per-loan / per-project transparency."""
import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.http import Http404

from peerfund.core import clock
from peerfund.crowdfunding.models import Complaint, Payout, Pledge, Project
from peerfund.disclosure.borrower import borrower_disclosure  # noqa: F401  (the listing's borrower panel and API field)
from peerfund.disclosure.models import DailySnapshot, LiabilityTree, PostLoanRecord
from peerfund.lending.models import Investment, Loan, LoanProduct

MONTH_SUMS = ("deposits_fen", "withdrawals_fen", "invested_fen", "loans_listed", "loans_disbursed", "users_new", "cf_pledged_today_fen")


def trend(days: int = 90) -> list[DailySnapshot]:
    return list(reversed(DailySnapshot.objects.order_by("-business_date")[:days]))


def trend_chart(days: list[DailySnapshot], series: list[tuple[str, str, str]]) -> dict:
    """A line chart of snapshot figures, for web/charts.js: each series is (name,
    figure key, kind). Money stays integer fen (the chart divides by 100 to draw
    yuan); a ratio goes as its percentage, an exact decimal string."""
    def value(snapshot: DailySnapshot, key: str, kind: str):
        raw = snapshot.figures.get(key, 0)
        return int(raw) if kind == "fen" else str(Decimal(str(raw)) * 100)

    return {
        "labels": [d.business_date.isoformat() for d in days],
        "series": [{"name": str(name), "unit": kind, "values": [value(d, key, kind) for d in days]} for name, key, kind in series],
    }


def fee_schedule() -> dict:
    """What users pay, from the live settings and products."""
    return {
        "products": list(LoanProduct.objects.order_by("id").values("name", "service_fee_rate", "transfer_fee_rate", "prepayment_fee_rate", "penalty_rate_daily")),
        "withdraw_fee_fen": settings.PEERFUND_WITHDRAW_FEE_FEN,
        "fee_free_tiers": settings.PEERFUND_FEE_FREE_TIERS,
        "crowdfunding_fee_rate": Decimal(settings.PEERFUND_CF_FEE_RATE),
    }


def latest_tree() -> LiabilityTree | None:
    return LiabilityTree.objects.order_by("-business_date").first()


def month_report(year: int, month: int) -> dict | None:
    """The month's figures: the stock figures of its last snapshot, the flows summed
    over its days. None when no day of it was closed."""
    first = dt.date(year, month, 1)
    following = clock.month_start(first, 1)
    days = list(DailySnapshot.objects.filter(business_date__gte=first, business_date__lt=following).order_by("business_date"))
    if not days:
        return None
    sums = {key: sum(int(day.figures.get(key, 0)) for day in days) for key in MONTH_SUMS}
    return {"month": first, "last": days[-1], "days": days, "sums": sums}


def report_months() -> list[dt.date]:
    return [d.replace(day=1) for d in DailySnapshot.objects.dates("business_date", "month", order="DESC")]


def loan_transparency(loan_id: int) -> dict:
    loan = Loan.objects.select_related("product").filter(pk=loan_id).first()
    if loan is None:
        raise Http404
    instalments = list(loan.instalments.order_by("number"))
    return {
        "loan": loan,
        "instalments": instalments,
        "investors": loan.investments.values("investor_id").distinct().count(),
        "overdue": [i for i in instalments if i.status == "overdue"],
    }


def project_transparency(project_id: int) -> dict:
    project = Project.objects.filter(pk=project_id, status__in=Project.PUBLIC).first()
    if project is None:
        raise Http404
    pledges = Pledge.objects.filter(project=project)
    settled = pledges.filter(status__in=(Pledge.Status.SETTLED, Pledge.Status.REFUNDED))
    return {
        "project": project,
        "pledged_fen": pledges.filter(status__in=(*Pledge.HOLDING, Pledge.Status.REFUNDED)).aggregate(t=Sum("amount_fen"))["t"] or 0,
        "escrow_in_fen": settled.aggregate(t=Sum("amount_fen"))["t"] or 0,
        "released": pledges.filter(status=Pledge.Status.RELEASED).aggregate(n=Count("id"), t=Sum("amount_fen")),
        "payouts": list(Payout.objects.filter(project=project).order_by("stage")),
        "refunded_fen": pledges.aggregate(t=Sum("refund_fen"))["t"] or 0,
        "delivery": dict(settled.values_list("delivery").annotate(n=Count("id"))),
        "complaints": Complaint.objects.filter(pledge__project=project).aggregate(total=Count("id"), open=Count("id", filter=Q(status=Complaint.Status.OPEN))),
    }


def is_investor_of(user, loan_id: int) -> bool:
    """Holds, or held, a part of the loan (bought claims too)."""
    return bool(user and user.is_authenticated) and Investment.objects.filter(loan_id=loan_id, investor=user).exists()


def post_loan_records_for(loan_id: int, user) -> list[PostLoanRecord] | None:
    """The loan's post-loan records for one of its investors; None for anybody else
    (pages answer 404, includes show nothing)."""
    if not is_investor_of(user, loan_id):
        return None
    return list(PostLoanRecord.objects.filter(loan_id=loan_id).order_by("-checked_on", "-id"))
