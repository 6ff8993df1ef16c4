import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from peerfund.custody.outbox import instruction_dispatch, outbox_retry

logger = logging.getLogger(__name__)


@db_task(retries=0)
def custody_dispatch(*instruction_ids: int):
    """Send the instructions of one transaction right after it commits. One that
    fails here is left to the retry below; the others still go."""
    for instruction_id in instruction_ids:
        try:
            instruction_dispatch(instruction_id)
        except Exception:
            logger.exception("custody instruction %s not sent; the retry job will", instruction_id)


@db_periodic_task(crontab(minute="*"))
def custody_outbox_retry():
    """Re-send unanswered instructions and query lost confirmations, every minute."""
    outbox_retry()
