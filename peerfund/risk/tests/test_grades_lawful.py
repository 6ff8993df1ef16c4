"""Every grade's rate band fits the legal ceiling with the default penalty: a grade the
platform could approve at a rate it may not lawfully list would strand the application
at final review (the listing check refuses it)."""
from decimal import Decimal

from django.conf import settings

from peerfund.lending.cost import rate_ceiling, rate_with_penalty
from peerfund.lending.models import LoanProduct


def test_every_grade_band_with_the_default_penalty_is_under_the_ceiling():
    penalty = LoanProduct._meta.get_field("penalty_rate_daily").default
    for grade, _floor, _low, high, _limit in settings.PEERFUND_GRADES:
        if high is not None:
            assert rate_with_penalty(Decimal(high), penalty) <= rate_ceiling(), grade
