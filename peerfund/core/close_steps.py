"""Core's step of the daily close: forget old Idempotency-Key records.

A client retries a call within minutes, not weeks: a record older than
`PEERFUND_IDEMPOTENCY_KEEP_DAYS` is never asked for again, so the close deletes it
(answered or not), keeping the table, read on every money-moving call, small. The
business keys of bids, pledges, deposits... live on in their own rows.
"""
import datetime as dt

from django.conf import settings
from django.utils import timezone

from peerfund.cob.registry import close_step
from peerfund.core.models import IdempotencyRecord

# Deleted this many rows at a time, each batch its own short statement.
PURGE_BATCH = 5_000


@close_step(name="core.idempotency_purge", order=960, description="delete Idempotency-Key records older than the keep period")
def idempotency_purge(*, on: dt.date) -> int:
    # Records are stamped in real time (created_at), so their age is real time too:
    # the keep period is about how long clients may retry, not about business dates.
    before = timezone.now() - dt.timedelta(days=settings.PEERFUND_IDEMPOTENCY_KEEP_DAYS)
    purged = 0
    while True:
        batch = list(IdempotencyRecord.objects.filter(created_at__lt=before).order_by("id").values_list("id", flat=True)[:PURGE_BATCH])
        if not batch:
            return purged
        purged += IdempotencyRecord.objects.filter(id__in=batch).delete()[0]
