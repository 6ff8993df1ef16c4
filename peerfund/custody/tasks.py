from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from peerfund.custody.outbox import instruction_dispatch, outbox_retry


@db_task(retries=0)
def custody_dispatch(instruction_id: int):
    """Send one instruction right after its transaction commits."""
    instruction_dispatch(instruction_id)


@db_periodic_task(crontab(minute="*"))
def custody_outbox_retry():
    """Re-send unanswered instructions and query lost confirmations, every minute."""
    outbox_retry()
