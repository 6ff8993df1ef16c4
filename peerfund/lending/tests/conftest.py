import datetime as dt
from decimal import Decimal

import pytest

from peerfund.core import clock
from peerfund.lending.models import Loan, LoanProduct
from peerfund.lending.schedules import Method
from peerfund.lending.services.bidding import bid_place
from peerfund.lending.services.disbursement import disbursement_decide, disbursement_request
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, onboard


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
            "months": 12, "annual_rate": Decimal("0.10"), "service_fee_rate": product.service_fee_rate, "grade": "B", "listed_at": now, "deadline": now + dt.timedelta(days=7),
        }
        return Loan.objects.create(**{**values, **overrides})

    return build


@pytest.fixture
def full_loan(investor, other_investor, make_user, list_loan, django_capture_on_commit_callbacks, settings):
    """¥7,000 over 12 months at 10 %, bid ¥4,000 by `investor` and ¥3,000 by `other_investor`."""
    settings.PEERFUND_COOLING_OFF_DAYS = 0
    borrower = make_user(username="borrower", display_name="刘洋")
    onboard(borrower, identity=3)
    loan = list_loan(borrower, amount_fen=700_000)
    for user, amount in ((investor, 400_000), (other_investor, 300_000)):
        pay_deposit(user, 500_000, django_capture_on_commit_callbacks, key=f"d{user.pk}")
        with django_capture_on_commit_callbacks(execute=True):
            bid_place(investor=user, loan_id=loan.pk, amount_fen=amount, trade_password=TRADE_PASSWORD, key="b")
    loan.refresh_from_db()
    assert loan.status == Loan.Status.FULL
    return loan


@pytest.fixture
def disbursed_loan(full_loan, staff_with, django_capture_on_commit_callbacks):
    request = disbursement_request(staff=staff_with("risk", "maker"), loan=full_loan)
    with django_capture_on_commit_callbacks(execute=True):
        disbursement_decide(staff=staff_with("risk", "checker"), request=request, approve=True)
    full_loan.refresh_from_db()
    return full_loan
