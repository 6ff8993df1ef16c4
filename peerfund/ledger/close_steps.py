"""The ledger step of the daily close: the books must balance (the custody step
compares them with the bank)."""
import datetime as dt

from django.utils import timezone

from peerfund.cob.registry import close_step
from peerfund.core.alerts import alert_raise
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.models import CheckRun, Entry

# An entry older than this is committed (no transaction stays open so long), so the
# next night need not look at it again.
SETTLED_AFTER = dt.timedelta(minutes=10)


@close_step(name="ledger.check", order=990, description="check the ledger's invariants over the entries since the last clean check")
def check(*, on: dt.date) -> int:
    last_clean = CheckRun.objects.filter(violations=0).order_by("-through_entry").values_list("through_entry", flat=True).first() or 0
    settled = Entry.objects.filter(created_at__lt=timezone.now() - SETTLED_AFTER).order_by("-id").values_list("id", flat=True).first() or 0
    # The books' own invariants: the bank is compared by the reconciliation step.
    violations = ledger_check(after_entry=last_clean, include_external=False)
    CheckRun.objects.create(business_date=on, after_entry=last_clean, through_entry=max(settled, last_clean), violations=len(violations))
    if violations:
        alert_raise(kind="ledger.check", message=f"{len(violations)} ledger invariant violations at the close of {on}", data={"first": [str(v) for v in violations[:5]]})
    return len(violations)
