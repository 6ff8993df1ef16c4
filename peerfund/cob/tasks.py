import datetime as dt
import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from peerfund.cob.lock import CloseAlreadyRunning
from peerfund.cob.models import StepRun
from peerfund.cob.services import chunk_run, close_run
from peerfund.core import clock

logger = logging.getLogger(__name__)


@db_task(retries=0)
def cob_chunk(on: str, step_name: str, number: int):
    """One chunk of a fanned-out close step, on whichever consumer takes it."""
    day = dt.date.fromisoformat(on)
    try:
        chunk_run(on=day, step_name=step_name, number=number)
    except Exception as error:
        StepRun.objects.filter(business_date=day, step=step_name).update(status=StepRun.Status.FAILED, error=f"chunk {number}: {error!r}")
        raise


# 00:05 in Asia/Shanghai is 16:05 UTC (huey schedules in UTC).
@db_periodic_task(crontab(minute="5", hour="16"))
def cob_nightly():
    """Close the business date that has just ended; skipped (with the holder in the log)
    while another close runs: the next night, or an operator, closes it after."""
    on = clock.business_date() - dt.timedelta(days=1)
    try:
        close_run(on=on, fan_out=settings.PEERFUND_COB_FAN_OUT, source="nightly")
    except CloseAlreadyRunning as busy:
        logger.error("nightly close of %s skipped: %s", on, busy.message, extra={"holder": busy.extra})
