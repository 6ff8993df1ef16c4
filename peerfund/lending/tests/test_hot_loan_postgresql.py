"""Many threads racing for the last ¥100 of a loan: exactly one wins, and the loan is
never over-subscribed."""
import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connections

from peerfund.core import clock
from peerfund.custody.services import platform_accounts_open
from peerfund.ledger.invariants import ledger_check
from peerfund.lending.models import Bid, Loan, LoanProduct
from peerfund.lending.schedules import Method
from peerfund.lending.services.bidding import BidRefused, bid_place
from peerfund.tests_support.money import committing, pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, verify_directly

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]
RACERS = 16


def test_racing_for_the_last_100_yuan(make_user, settings):
    settings.PEERFUND_COOLING_OFF_DAYS = 0
    platform_accounts_open()
    product = LoanProduct.objects.create(
        name="hot", min_amount_fen=10_000, max_amount_fen=10**9, terms_months=[12], method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.1"), rate_max=Decimal("0.1"), service_fee_rate=Decimal("0.01"), min_bid_fen=10_000, bid_step_fen=10_000,
        max_per_investor_fen=10**9, required_risk_level="C1",
    )
    borrower = make_user(username="hot-borrower")
    # More racers than sandbox identities: each is verified directly for this test.
    investors = [make_user(username=f"racer{i}") for i in range(RACERS)]
    for i, user in enumerate(investors):
        verify_directly(user, i)
        pay_deposit(user, 100_000, committing, key=f"seed{i}")
    now = clock.now()
    loan = Loan.objects.create(
        borrower=borrower, product=product, title="hot", amount_fen=1_000_000, left_fen=10_000, months=12, annual_rate=Decimal("0.1"),
        grade="A", listed_at=now, deadline=now + dt.timedelta(days=1),
    )
    winners, refused, errors = [], [], []
    barrier = threading.Barrier(RACERS)

    def race(user):
        try:
            barrier.wait()
            bid_place(investor=user, loan_id=loan.pk, amount_fen=10_000, trade_password=TRADE_PASSWORD, key="last")
            winners.append(user.pk)
        except BidRefused as refusal:
            refused.append(refusal.code)
        except BaseException as exc:  # noqa: BLE001 - anything else fails the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(user,)) for user in investors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(winners) == 1 and len(refused) == RACERS - 1
    assert set(refused) <= {"bid.above_left", "bid.closed"}  # lost the race, or saw the loan already full
    loan.refresh_from_db()
    assert (loan.left_fen, loan.status) == (0, Loan.Status.FULL)
    assert Bid.objects.filter(loan=loan).count() == 1
    assert ledger_check() == []
