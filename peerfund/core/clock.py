"""The platform clock. Business dates are Asia/Shanghai dates of `now()`.

`now()` is real time plus a stored offset, so the demo can move the whole platform
(web, workers, commands) forward day by day; tests move it with `travel_to()` or
time-machine. Nothing else in the code calls `date.today()` or `timezone.now()` for
business decisions.
"""
import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def _offset() -> dt.timedelta:
    from peerfund.core.models import ClockState

    state = ClockState.objects.filter(id=1).values_list("offset_seconds", flat=True).first()
    return dt.timedelta(seconds=state or 0)


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


def travel_to(day: dt.date) -> None:
    """Move the platform clock so that today's business date is `day` (time of day kept)."""
    from peerfund.core.models import ClockState

    real_today = timezone.now().astimezone(BUSINESS_TZ).date()
    offset = dt.timedelta(days=(day - real_today).days)
    ClockState.objects.update_or_create(id=1, defaults={"offset_seconds": int(offset.total_seconds())})


def reset() -> None:
    from peerfund.core.models import ClockState

    ClockState.objects.filter(id=1).delete()
