import datetime as dt
from decimal import Decimal

import pytest

from peerfund.core import clock
from peerfund.lending.models import Loan, LoanProduct
from peerfund.lending.schedules import Method


@pytest.fixture
def listed_loan(db, make_user):
    """A listed ¥10,000 loan at 8 % over 12 months, by a borrower of its own."""
    product = LoanProduct.objects.create(
        name="工薪贷", min_amount_fen=100_000, max_amount_fen=20_000_000, terms_months=[3, 6, 12], method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.06"), rate_max=Decimal("0.09"), service_fee_rate=Decimal("0.01"), min_bid_fen=10_000, bid_step_fen=10_000,
        max_per_investor_fen=500_000, required_risk_level="C2", penalty_rate_daily=Decimal("0.00010"),
    )
    now = clock.now()
    return Loan.objects.create(
        borrower=make_user(username="borrower"), product=product, title="周转借款", amount_fen=1_000_000, left_fen=1_000_000, months=12,
        annual_rate=Decimal("0.08"), service_fee_rate=product.service_fee_rate, grade="B", listed_at=now, deadline=now + dt.timedelta(days=7),
    )
