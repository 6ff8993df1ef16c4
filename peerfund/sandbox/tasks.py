from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from peerfund.sandbox.bank import deliver_callbacks


@db_periodic_task(crontab(minute="*"))
def sandbox_deliver_callbacks():
    """The sandbox bank sends its due callbacks once a minute, as a bank's notifier would."""
    deliver_callbacks()
