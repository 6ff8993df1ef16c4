"""The movable platform clock: business dates are Asia/Shanghai dates."""
import datetime as dt

import time_machine

from peerfund.core import clock


def test_business_date_is_the_shanghai_date(db):
    # 17:30 UTC on 31 December is already 1 January in Shanghai.
    with time_machine.travel(dt.datetime(2026, 12, 31, 17, 30, tzinfo=dt.UTC), tick=False):
        assert clock.business_date() == dt.date(2027, 1, 1)


def test_travel_to_moves_the_whole_platform_and_reset_returns(db):
    with time_machine.travel(dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC), tick=False):
        clock.travel_to(dt.date(2026, 6, 1))
        assert clock.business_date() == dt.date(2026, 6, 1)
        assert clock.now().astimezone(clock.BUSINESS_TZ).hour == 10  # time of day kept
        clock.travel_to(dt.date(2026, 2, 1))  # backwards works too
        assert clock.business_date() == dt.date(2026, 2, 1)
        clock.reset()
        assert clock.business_date() == dt.date(2026, 3, 10)


def test_day_start_is_midnight_in_shanghai():
    start = clock.day_start(dt.date(2026, 1, 2))
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 1, 1, 16, 0, tzinfo=dt.UTC)
