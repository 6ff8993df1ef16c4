"""The custody step of the daily close: reconcile the day with the bank."""
import datetime as dt

from peerfund.cob.registry import close_step
from peerfund.core.alerts import alert_raise
from peerfund.custody.reconciliation import reconcile


@close_step(name="custody.reconcile", order=900, description="reconcile the day's movements and balances with the custodian")
def reconcile_day(*, on: dt.date) -> int:
    report = reconcile(business_date=on)
    if not report.is_clean:
        alert_raise(kind="custody.reconciliation", message=f"{report.difference_count} differences with the custodian on {on}", ref=f"reconciliation:{report.pk}")
    return report.difference_count
