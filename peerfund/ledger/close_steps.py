"""The ledger step of the daily close: the books must balance, and match the bank."""
import datetime as dt

from peerfund.cob.registry import close_step
from peerfund.core.alerts import alert_raise
from peerfund.ledger.invariants import ledger_check


@close_step(name="ledger.check", order=990, description="check the ledger's invariants")
def check(*, on: dt.date) -> int:
    violations = ledger_check()
    if violations:
        alert_raise(kind="ledger.check", message=f"{len(violations)} ledger invariant violations at the close of {on}", data={"first": [str(v) for v in violations[:5]]})
    return len(violations)
