"""The crowdfunding steps of the daily close (see cob/registry.py)."""
import datetime as dt

from peerfund.cob.registry import close_step
from peerfund.crowdfunding.services.fulfilment import rewards_auto_receive
from peerfund.crowdfunding.services.settlement import payouts_due, payouts_release, projects_close, projects_due
from peerfund.crowdfunding.services.watch import complaint_clusters, funding_spikes, late_deliveries


@close_step(name="crowdfunding.deadlines", order=12, items=projects_due, description="projects past their deadline: settle the successful, refund the failed")
def deadlines(*, on: dt.date, ids: list[int]) -> int:
    return projects_close(project_ids=ids, on=on)


@close_step(name="crowdfunding.auto_receive", order=55, description="shipped rewards with no complaint for N days count as received")
def auto_receive(*, on: dt.date) -> int:
    return rewards_auto_receive(on=on)


@close_step(name="crowdfunding.payouts", order=56, items=payouts_due, description="pay project owners the payouts that are due")
def payouts(*, on: dt.date, ids: list[int]) -> int:
    return payouts_release(project_ids=ids, on=on)


@close_step(name="crowdfunding.risk_alerts", order=57, description="funding spikes, clustered complaints, late deliveries")
def risk_alerts(*, on: dt.date) -> int:
    return funding_spikes(on=on) + complaint_clusters(on=on) + late_deliveries(on=on)
