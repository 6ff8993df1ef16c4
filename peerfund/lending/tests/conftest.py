import datetime as dt
from decimal import Decimal

import pytest

from peerfund.core import clock
from peerfund.lending.models import Loan, LoanProduct
from peerfund.lending.schedules import Method


@pytest.fixture
def product(db):
    return LoanProduct.objects.create(
        name="工薪贷",
        min_amount_fen=100_000,
        max_amount_fen=20_000_000,
        terms_months=[3, 6, 12],
        method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.08"),
        rate_max=Decimal("0.12"),
        service_fee_rate=Decimal("0.02"),
        min_bid_fen=10_000,
        bid_step_fen=10_000,
        max_per_investor_fen=500_000,
        required_risk_level="C2",
    )


@pytest.fixture
def list_loan(product):
    def build(borrower, amount_fen=1_000_000, **overrides):
        now = clock.now()
        values = {
            "borrower": borrower, "product": product, "title": "周转借款", "amount_fen": amount_fen, "left_fen": amount_fen,
            "months": 12, "annual_rate": Decimal("0.10"), "grade": "B", "listed_at": now, "deadline": now + dt.timedelta(days=7),
        }
        return Loan.objects.create(**{**values, **overrides})

    return build
