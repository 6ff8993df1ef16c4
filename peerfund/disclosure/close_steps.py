"""The disclosure steps of the daily close, after everything that moves money."""
import datetime as dt

from peerfund.cob.registry import close_step
from peerfund.disclosure.services.liabilities import liabilities_publish
from peerfund.disclosure.services.statistics import snapshot_take
from peerfund.disclosure.services.watch import snapshot_alerts


@close_step(name="disclosure.statistics", order=940, description="the day's statistics snapshot (home page, disclosure, dashboard trends) and its alerts")
def statistics(*, on: dt.date) -> int:
    return snapshot_alerts(snapshot_take(on=on))


@close_step(name="disclosure.liabilities", order=950, description="proof of liabilities: the Merkle sum tree of users' money")
def liabilities(*, on: dt.date) -> int:
    return liabilities_publish(on=on).leaf_count
