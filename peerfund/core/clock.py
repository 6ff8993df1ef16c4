"""The platform clock. Business dates are Asia/Shanghai dates of `now()`.

`now()` is real time plus a stored offset, so the demo can move the whole platform
(web, workers, commands) forward day by day; tests move it with `travel_to()` or
time-machine. Nothing else in the code calls `date.today()` or `timezone.now()` for
business decisions.
"""
import datetime as dt
import time
from zoneinfo import ZoneInfo

from django.utils import timezone

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


# The offset is read at most once a second per process: a bid batch asks for the time
# several times, and the offset only changes when the demo or a test moves the clock
# (which forgets it at once in the process that moved it; others see it within 1 s).
OFFSET_CACHE_SECONDS = 1.0
_cached_offset: tuple[float, dt.timedelta] | None = None


def _offset() -> dt.timedelta:
    global _cached_offset
    cached = _cached_offset
    if cached is not None and time.monotonic() - cached[0] < OFFSET_CACHE_SECONDS:
        return cached[1]
    from django.db import DatabaseError

    from peerfund.core.models import ClockState

    try:
        state = ClockState.objects.filter(id=1).values_list("offset_seconds", flat=True).first()
    except DatabaseError:
        # Before the first migrate (Django's system checks build a User, whose
        # date_joined defaults to now()): the clock has not been moved yet.
        return dt.timedelta(0)
    offset = dt.timedelta(seconds=state or 0)
    _cached_offset = (time.monotonic(), offset)
    return offset


def forget_offset() -> None:
    """Read the offset afresh next time (after it changed, or a test rolled it back)."""
    global _cached_offset
    _cached_offset = None


def now() -> dt.datetime:
    return timezone.now() + _offset()


def localtime(moment: dt.datetime) -> dt.datetime:
    """An instant shown in business time (Asia/Shanghai)."""
    return moment.astimezone(BUSINESS_TZ)


def business_date() -> dt.date:
    return now().astimezone(BUSINESS_TZ).date()


def day_start(day: dt.date) -> dt.datetime:
    """The first instant of a business date, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=BUSINESS_TZ)


def month_start(day: dt.date, months: int = 0) -> dt.date:
    """The first day of `day`'s month, moved `months` months (back when negative)."""
    from dateutil.relativedelta import relativedelta

    return day.replace(day=1) + relativedelta(months=months)


def travel_to(day: dt.date) -> None:
    """Move the platform clock so that today's business date is `day` (time of day kept)."""
    from peerfund.core.models import ClockState

    real_today = timezone.now().astimezone(BUSINESS_TZ).date()
    offset = dt.timedelta(days=(day - real_today).days)
    ClockState.objects.update_or_create(id=1, defaults={"offset_seconds": int(offset.total_seconds())})
    forget_offset()


def reset() -> None:
    from peerfund.core.models import ClockState

    ClockState.objects.filter(id=1).delete()
    forget_offset()
