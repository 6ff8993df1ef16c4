import datetime as dt

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from peerfund.core import clock
from peerfund.crowdfunding.services.settlement import projects_close, projects_due


# Hourly, so backers of a project that ended yesterday learn the outcome (and failed
# pledges are unfrozen) even when the nightly close is held up on another step. It
# does what the close's `crowdfunding.deadlines` step does, and either may run first.
@db_periodic_task(crontab(minute="20"))
def crowdfunding_deadlines():
    yesterday = clock.business_date() - dt.timedelta(days=1)
    projects_close(project_ids=projects_due(yesterday), on=yesterday)
