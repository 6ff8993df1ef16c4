"""The lending steps of the daily close (see cob/registry.py), in their order."""
import datetime as dt

from peerfund.cob.registry import close_step
from peerfund.core import clock
from peerfund.lending.models import CollectionTask
from peerfund.lending.services.bidding import loans_fail_expired
from peerfund.lending.services.collection import collection_daily
from peerfund.lending.services.overdue import loans_mark_overdue, loans_write_off, repaying_loan_ids, repayment_reminders
from peerfund.lending.services.repayment import loan_auto_debit
from peerfund.lending.services.transfer import claims_expire, claims_withdraw_overdue


def _repaying(on: dt.date) -> list[int]:
    return repaying_loan_ids()


def _repaying_or_collected(on: dt.date) -> list[int]:
    """Repaying loans, and loans whose collection task is still open (settled or
    written off today, so the task gets closed)."""
    active = CollectionTask.objects.filter(status__in=CollectionTask.ACTIVE).values_list("loan_id", flat=True)
    return sorted(set(repaying_loan_ids()) | set(active))


@close_step(name="lending.expire_listings", order=10, description="流标: fail loans not full by the end of the day")
def expire_listings(*, on: dt.date) -> int:
    return loans_fail_expired(before=clock.day_start(on + dt.timedelta(days=1)))


@close_step(name="lending.auto_debit", order=20, items=_repaying, description="debit instalments due by the day from borrowers' balances")
def auto_debit(*, on: dt.date, ids: list[int]) -> int:
    return sum(loan_auto_debit(loan_id=loan_id, on=on) is not None for loan_id in ids)


@close_step(name="lending.overdue", order=30, items=_repaying, description="mark overdue instalments and charge penalty interest")
def overdue(*, on: dt.date, ids: list[int]) -> int:
    return loans_mark_overdue(loan_ids=ids, on=on)


@close_step(name="lending.write_off", order=40, items=_repaying, description="write off loans past the product's write-off days")
def write_off(*, on: dt.date, ids: list[int]) -> int:
    return loans_write_off(loan_ids=ids, on=on)


@close_step(name="lending.reminders", order=50, description="T-3 and T-0 repayment reminders")
def reminders(*, on: dt.date) -> int:
    return repayment_reminders(on=on)


@close_step(name="lending.claims_expire", order=15, description="claims for sale past their listing days expire")
def expire_claims(*, on: dt.date) -> int:
    return claims_expire(on=on)


@close_step(name="lending.claims_withdraw_overdue", order=35, items=_repaying, description="claims on overdue loans come off sale")
def withdraw_overdue_claims(*, on: dt.date, ids: list[int]) -> int:
    return claims_withdraw_overdue(loan_ids=ids)


@close_step(name="lending.collection", order=45, items=_repaying_or_collected, description="open, stage, judge and close collection tasks")
def collection(*, on: dt.date, ids: list[int]) -> int:
    return collection_daily(loan_ids=ids, on=on)
