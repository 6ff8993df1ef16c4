"""The lending steps of the daily close (see cob/registry.py), in their order. Each
chunked step works only on the loans that can need it today, found through indexes,
so a day costs in proportion to what falls due, not to the size of the book."""
import datetime as dt

from peerfund.cob.registry import close_step
from peerfund.core import clock
from peerfund.lending.models import ClaimListing, CollectionTask, Loan, RepaymentInstalment
from peerfund.lending.services.bidding import loans_fail_expired
from peerfund.lending.services.collection import collection_daily
from peerfund.lending.services.overdue import loans_mark_overdue, loans_write_off, repayment_reminders
from peerfund.lending.services.repayment import loans_auto_debit, repayment_notices_daily
from peerfund.lending.services.transfer import claims_expire, claims_withdraw_overdue


def _with_open_instalments(**due) -> list[int]:
    instalments = RepaymentInstalment.objects.filter(status__in=RepaymentInstalment.OPEN, loan__status=Loan.Status.DISBURSED, **due)
    return sorted(set(instalments.values_list("loan_id", flat=True)))


def _due(on: dt.date) -> list[int]:
    """Loans with something due by the day (the only ones the debit has work for)."""
    return _with_open_instalments(due_date__lte=on)


def _past_due(on: dt.date) -> list[int]:
    return _with_open_instalments(due_date__lt=on)


def _overdue(on: dt.date) -> list[int]:
    return _with_open_instalments(status=RepaymentInstalment.Status.OVERDUE)


def _on_sale(on: dt.date) -> list[int]:
    listed = ClaimListing.objects.filter(status=ClaimListing.Status.LISTED).values_list("investment__loan_id", flat=True)
    return sorted(set(listed))


def _in_collection(on: dt.date) -> list[int]:
    """Overdue loans, and loans whose task is still open (cured, settled or written
    off since, so the task gets closed)."""
    active = CollectionTask.objects.filter(status__in=CollectionTask.ACTIVE).values_list("loan_id", flat=True)
    return sorted(set(_overdue(on)) | set(active))


@close_step(name="lending.expire_listings", order=10, description="流标: fail loans not full by the end of the day")
def expire_listings(*, on: dt.date) -> int:
    return loans_fail_expired(before=clock.day_start(on + dt.timedelta(days=1)))


@close_step(name="lending.auto_debit", order=20, items=_due, description="debit instalments due by the day from borrowers' balances")
def auto_debit(*, on: dt.date, ids: list[int]) -> int:
    return loans_auto_debit(loan_ids=ids, on=on)


@close_step(name="lending.repayment_notices", order=25, description="one notice per investor of the money the day's debits paid them")
def repayment_notices(*, on: dt.date) -> int:
    return repayment_notices_daily(on=on)


@close_step(name="lending.overdue", order=30, items=_past_due, description="mark overdue instalments and charge penalty interest")
def overdue(*, on: dt.date, ids: list[int]) -> int:
    return loans_mark_overdue(loan_ids=ids, on=on)


@close_step(name="lending.write_off", order=40, items=_overdue, description="write off loans past the product's write-off days")
def write_off(*, on: dt.date, ids: list[int]) -> int:
    return loans_write_off(loan_ids=ids, on=on)


@close_step(name="lending.reminders", order=50, description="T-3 and T-0 repayment reminders")
def reminders(*, on: dt.date) -> int:
    return repayment_reminders(on=on)


@close_step(name="lending.claims_expire", order=15, description="claims for sale past their listing days expire")
def expire_claims(*, on: dt.date) -> int:
    return claims_expire(on=on)


@close_step(name="lending.claims_withdraw_overdue", order=35, items=_on_sale, description="claims on overdue loans come off sale")
def withdraw_overdue_claims(*, on: dt.date, ids: list[int]) -> int:
    return claims_withdraw_overdue(loan_ids=ids)


@close_step(name="lending.collection", order=45, items=_in_collection, description="open, stage, judge and close collection tasks")
def collection(*, on: dt.date, ids: list[int]) -> int:
    return collection_daily(loan_ids=ids, on=on)
