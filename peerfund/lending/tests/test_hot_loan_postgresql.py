"""Many threads racing for the last ¥100 of a loan: exactly one wins, and the loan is
never over-subscribed."""
import datetime as dt
from decimal import Decimal

import pytest

from peerfund.core import clock
from peerfund.custody.services import platform_accounts_open
from peerfund.ledger.invariants import ledger_check
from peerfund.lending.models import Bid, Loan, LoanProduct
from peerfund.lending.schedules import Method
from peerfund.lending.services.bidding import BidRefused, bid_place
from peerfund.tests_support.concurrency import start_together
from peerfund.tests_support.money import committing, pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, verify_directly

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]
RACERS = 16


def _market(make_user, racers: int, deposit_fen: int, left_fen: int, max_per_investor_fen: int = 10**9):
    platform_accounts_open()
    product = LoanProduct.objects.create(
        name="hot", min_amount_fen=10_000, max_amount_fen=10**9, terms_months=[12], method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.1"), rate_max=Decimal("0.1"), service_fee_rate=Decimal("0.01"), min_bid_fen=10_000, bid_step_fen=10_000,
        max_per_investor_fen=max_per_investor_fen, required_risk_level="C1",
    )
    borrower = make_user(username="hot-borrower")
    # More racers than sandbox identities: each is verified directly for this test.
    investors = [make_user(username=f"racer{i}") for i in range(racers)]
    for i, user in enumerate(investors):
        verify_directly(user, i)
        pay_deposit(user, deposit_fen, committing, key=f"seed{i}")
    now = clock.now()
    loan = Loan.objects.create(
        borrower=borrower, product=product, title="hot", amount_fen=1_000_000, left_fen=left_fen, months=12, annual_rate=Decimal("0.1"),
        grade="A", listed_at=now, deadline=now + dt.timedelta(days=1),
    )
    return loan, investors


def test_racing_for_the_last_100_yuan(make_user, settings):
    settings.PEERFUND_COOLING_OFF_DAYS = 0
    loan, investors = _market(make_user, RACERS, deposit_fen=100_000, left_fen=10_000)
    winners, refused = [], []

    def race(user):
        try:
            bid_place(investor=user, loan_id=loan.pk, amount_fen=10_000, trade_password=TRADE_PASSWORD, key="last")
            winners.append(user.pk)
        except BidRefused as refusal:
            refused.append(refusal.code)

    errors = start_together(race, investors)
    assert errors == []
    assert len(winners) == 1 and len(refused) == RACERS - 1
    assert set(refused) <= {"bid.above_left", "bid.closed"}  # lost the race, or saw the loan already full
    loan.refresh_from_db()
    assert (loan.left_fen, loan.status) == (0, Loan.Status.FULL)
    assert Bid.objects.filter(loan=loan).count() == 1
    assert ledger_check() == []


def test_a_crowd_bidding_more_than_the_loan_and_more_than_they_have(make_user, settings):
    """24 investors bid again and again, in amounts that overdraw some of them, on a
    loan smaller than the crowd's demand. Batches form; every fen stays accounted for:
    bids + left = the loan, each investor's frozen balance = their bids, and no
    balance goes below zero."""
    from peerfund.ledger.selectors import user_balances

    settings.PEERFUND_COOLING_OFF_DAYS = 0
    loan, investors = _market(make_user, 24, deposit_fen=150_000, left_fen=1_000_000, max_per_investor_fen=200_000)
    amounts = [10_000, 30_000, 50_000, 70_000]
    codes = []

    def bidder(user):
        for n in range(8):
            try:
                bid_place(investor=user, loan_id=loan.pk, amount_fen=amounts[(user.pk + n) % 4], trade_password="", key=f"crowd{n}", auto=True)
            except BidRefused as refusal:
                codes.append(refusal.code)

    assert start_together(bidder, investors) == []
    loan.refresh_from_db()
    bids = list(Bid.objects.filter(loan=loan))
    assert sum(b.amount_fen for b in bids) + loan.left_fen == loan.amount_fen
    assert loan.left_fen == 0 and loan.status == Loan.Status.FULL  # the crowd wanted more than the loan
    assert set(codes) <= {"bid.above_left", "bid.closed", "bid.insufficient", "bid.above_per_investor"}
    for user in investors:
        mine = sum(b.amount_fen for b in bids if b.investor_id == user.pk)
        assert mine <= 200_000
        assert user_balances(user) == {"user_available": 150_000 - mine, "user_frozen": mine}
    assert ledger_check() == []


def test_a_batch_overtaken_by_another_process_decides_again(make_user, settings, monkeypatch):
    """Another process's batch takes most of the loan after this batch read it: the
    guarded take fails, nothing of the first attempt stays, and the batch decides
    again, with the loan locked, on what is really left."""
    from django.db.models import F

    from peerfund.ledger.selectors import user_balances
    from peerfund.lending.services import bidding
    from peerfund.lending.services.bidding import BidRequest, bids_place

    settings.PEERFUND_COOLING_OFF_DAYS = 0
    loan, (first, second) = _market(make_user, 2, deposit_fen=600_000, left_fen=1_000_000)
    real_lookup, overtaken = bidding._bids_with_keys, []

    def lookup_while_another_process_bids(requests):
        if not overtaken:  # after this batch read the loan, before it takes from it
            assert start_together(lambda _: Loan.objects.filter(pk=loan.pk).update(left_fen=F("left_fen") - 800_000), [1]) == []
            overtaken.append(True)
        return real_lookup(requests)

    monkeypatch.setattr(bidding, "_bids_with_keys", lookup_while_another_process_bids)
    real_place, attempts = bidding._place, []
    monkeypatch.setattr(bidding, "_place", lambda *a, **k: attempts.append(k["lock_loan_first"]) or real_place(*a, **k))
    with committing(execute=True):
        results = bids_place(loan.pk, [
            BidRequest(investor=first, loan_id=loan.pk, amount_fen=300_000, key="x", auto=True),
            BidRequest(investor=second, loan_id=loan.pk, amount_fen=100_000, key="y", auto=True),
        ])
    assert attempts == [False, True]
    assert results[0].code == "bid.above_left" and results[0].extra["left_fen"] == 200_000
    assert isinstance(results[1], Bid)
    loan.refresh_from_db()
    assert loan.left_fen == 100_000
    assert list(Bid.objects.filter(loan=loan).values_list("key", flat=True)) == ["y"]
    assert user_balances(first) == {"user_available": 600_000, "user_frozen": 0}
    assert ledger_check() == []
