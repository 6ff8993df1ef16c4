"""Reads for the investment hall (投资大厅) and loan pages."""
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import QuerySet

from peerfund.core.errors import NotFound
from peerfund.core.masking import mask_name
from peerfund.lending.models import Bid, Loan
from peerfund.lending.schedules import Instalment, build_schedule

SORTS = {
    "newest": ("-listed_at", "-id"),
    "rate": ("-annual_rate", "id"),
    "term": ("months", "id"),
    "left": ("left_fen", "id"),
}


@dataclass(frozen=True)
class HallFilters:
    rate_min: Decimal | None = None
    rate_max: Decimal | None = None
    months_max: int | None = None
    grades: tuple[str, ...] = ()
    method: str = ""
    left_min_fen: int | None = None
    sort: str = "newest"


def open_loans(filters: HallFilters) -> QuerySet[Loan]:
    loans = Loan.objects.filter(status=Loan.Status.LISTED).select_related("product")
    if filters.rate_min is not None:
        loans = loans.filter(annual_rate__gte=filters.rate_min)
    if filters.rate_max is not None:
        loans = loans.filter(annual_rate__lte=filters.rate_max)
    if filters.months_max:
        loans = loans.filter(months__lte=filters.months_max)
    if filters.grades:
        loans = loans.filter(grade__in=filters.grades)
    if filters.method:
        loans = loans.filter(product__method=filters.method)
    if filters.left_min_fen:
        loans = loans.filter(left_fen__gte=filters.left_min_fen)
    return loans.order_by(*SORTS.get(filters.sort, SORTS["newest"]))


def hall_page(filters: HallFilters, page: int, per_page: int = 20):
    return Paginator(open_loans(filters), per_page).get_page(page)


def loan_get_public(loan_id: int) -> Loan:
    """A loan anyone may look at: listed or past listing (never a draft)."""
    loan = Loan.objects.select_related("product", "borrower").filter(pk=loan_id).first()
    if loan is None:
        raise NotFound("Not found.", "not_found")
    return loan


def loan_schedule(loan: Loan) -> list[Instalment]:
    """The plan as the contract states it, the service fee included (`cost.loan_terms`)."""
    from peerfund.lending.cost import loan_terms

    return build_schedule(loan_terms(loan))


def bids_public(loan: Loan) -> list[dict]:
    """The bid list as everyone sees it: names masked."""
    return [
        {"investor": mask_name(bid.investor.display_name or bid.investor.username), "amount_fen": bid.amount_fen, "auto": bid.auto, "at": bid.created_at}
        for bid in Bid.objects.filter(loan=loan).select_related("investor").order_by("id")
    ]


def bids_of(user) -> QuerySet[Bid]:
    return Bid.objects.filter(investor=user).select_related("loan").order_by("-id")



def due_now(loan: Loan) -> int:
    """What the borrower may pay now (fen): every due or overdue instalment, or the
    next; on a written-off loan, all that was written off."""
    from peerfund.core import clock
    from peerfund.lending.services.repayment import payable_now

    if loan.status not in Loan.REPAYABLE:
        return 0
    return sum(i.owed_fen for i in payable_now(loan, clock.business_date()))
