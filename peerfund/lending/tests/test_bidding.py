"""Manual bids: every rule refuses with its figure; the loan fills to exactly its
amount and turns full; a failed listing releases every frozen fen."""
import datetime as dt

import pytest

from peerfund.accounts.errors import AccountError, MoneyActionsLocked
from peerfund.core import clock
from peerfund.core.errors import Conflict
from peerfund.ledger.selectors import user_balances
from peerfund.lending.models import Bid, Loan
from peerfund.lending.services.bidding import bid_place, loans_fail_expired
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD


@pytest.fixture
def funded_investors(investor, other_investor, django_capture_on_commit_callbacks):
    for user in (investor, other_investor):
        pay_deposit(user, 600_000, django_capture_on_commit_callbacks, key=f"seed-{user.pk}")
    return investor, other_investor


def bid(user, loan, amount, capture, key="b", password=TRADE_PASSWORD):
    with capture(execute=True):
        return bid_place(investor=user, loan_id=loan.pk, amount_fen=amount, trade_password=password, key=key)


def test_bids_fill_a_loan_exactly_and_make_it_full(funded_investors, make_user, list_loan, django_capture_on_commit_callbacks):
    first, second = funded_investors
    loan = list_loan(make_user(username="borrower"), amount_fen=800_000)
    bid(first, loan, 500_000, django_capture_on_commit_callbacks, key="a")
    assert user_balances(first) == {"user_available": 100_000, "user_frozen": 500_000}
    bid(second, loan, 300_000, django_capture_on_commit_callbacks, key="b")
    loan.refresh_from_db()
    assert (loan.left_fen, loan.status) == (0, Loan.Status.FULL)
    assert sum(Bid.objects.filter(loan=loan).values_list("amount_fen", flat=True)) == 800_000


def test_a_repeated_key_is_the_same_bid(funded_investors, make_user, list_loan, django_capture_on_commit_callbacks):
    first, _second = funded_investors
    loan = list_loan(make_user(username="borrower"))
    one = bid(first, loan, 100_000, django_capture_on_commit_callbacks, key="same")
    assert bid(first, loan, 100_000, django_capture_on_commit_callbacks, key="same").pk == one.pk
    with pytest.raises(Conflict):
        bid(first, loan, 200_000, django_capture_on_commit_callbacks, key="same")
    assert user_balances(first)["user_frozen"] == 100_000


@pytest.mark.parametrize(
    ("amount", "code"),
    [(5_000, "bid.below_minimum"), (15_000, "bid.step"), (600_000, "bid.above_per_investor"), (1_100_000, "bid.above_left")],
)
def test_amount_rules(funded_investors, make_user, list_loan, django_capture_on_commit_callbacks, amount, code):
    first, _second = funded_investors
    loan = list_loan(make_user(username="borrower"))
    with pytest.raises(AccountError) as excinfo:
        bid(first, loan, amount, django_capture_on_commit_callbacks)
    assert excinfo.value.code == code and excinfo.value.extra["field"] == "amount"
    loan.refresh_from_db()
    assert loan.left_fen == 1_000_000 and not Bid.objects.exists()


def test_above_balance_own_loan_risk_level_and_trade_password(funded_investors, make_user, list_loan, django_capture_on_commit_callbacks, product):
    from peerfund.accounts.models import RiskAssessment

    first, second = funded_investors
    product.max_per_investor_fen = 10_000_000
    product.save()
    loan = list_loan(make_user(username="borrower"), amount_fen=2_000_000)
    with pytest.raises(AccountError) as excinfo:
        bid(first, loan, 700_000, django_capture_on_commit_callbacks)
    assert excinfo.value.code == "bid.insufficient"
    own = list_loan(first)
    with pytest.raises(AccountError) as excinfo:
        bid(first, own, 100_000, django_capture_on_commit_callbacks)
    assert excinfo.value.code == "bid.own_loan"
    RiskAssessment.objects.filter(user=second).update(level="C1")
    with pytest.raises(AccountError) as excinfo:
        bid(second, loan, 100_000, django_capture_on_commit_callbacks)
    assert excinfo.value.code == "bid.risk_level" and excinfo.value.extra["required"] == "C2"
    with pytest.raises(AccountError) as excinfo:
        bid(first, loan, 100_000, django_capture_on_commit_callbacks, password="000000")
    assert excinfo.value.code == "trade_password.wrong"
    for _ in range(3):
        with pytest.raises(AccountError):
            bid(first, loan, 100_000, django_capture_on_commit_callbacks, password="000000")
    with pytest.raises(MoneyActionsLocked):  # the fifth wrong try locks money actions
        bid(first, loan, 100_000, django_capture_on_commit_callbacks, password="000000")
    with pytest.raises(MoneyActionsLocked):
        bid(first, loan, 100_000, django_capture_on_commit_callbacks)
    assert not Bid.objects.exists()


def test_a_closed_loan_takes_no_bids(funded_investors, make_user, list_loan, django_capture_on_commit_callbacks):
    first, _second = funded_investors
    loan = list_loan(make_user(username="borrower"), deadline=clock.now() - dt.timedelta(minutes=1))
    with pytest.raises(AccountError) as excinfo:
        bid(first, loan, 100_000, django_capture_on_commit_callbacks)
    assert excinfo.value.code == "bid.closed"


def test_a_failed_listing_releases_every_frozen_fen(funded_investors, make_user, list_loan, django_capture_on_commit_callbacks):
    first, second = funded_investors
    loan = list_loan(make_user(username="borrower"))
    bid(first, loan, 300_000, django_capture_on_commit_callbacks, key="x")
    bid(second, loan, 200_000, django_capture_on_commit_callbacks, key="y")
    clock.travel_to(clock.business_date() + dt.timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        assert loans_fail_expired() == 1
        assert loans_fail_expired() == 0  # idempotent
    loan.refresh_from_db()
    assert loan.status == Loan.Status.FAILED
    assert set(Bid.objects.values_list("status", flat=True)) == {Bid.Status.RELEASED}
    for user in (first, second):
        assert user_balances(user) == {"user_available": 600_000, "user_frozen": 0}


def test_a_blacklisted_investor_cannot_bid(funded_investors, make_user, list_loan, staff, django_capture_on_commit_callbacks):
    from peerfund.risk.blacklist import blacklist_add
    from peerfund.risk.services import RiskRefused

    first, _second = funded_investors
    blacklist_add(staff=staff, kind="phone", value=first.phone, reason="mule account")
    loan = list_loan(make_user(username="borrower"))
    with pytest.raises(RiskRefused):
        bid(first, loan, 100_000, django_capture_on_commit_callbacks)
    loan.refresh_from_db()
    assert loan.left_fen == 1_000_000 and not Bid.objects.exists()


def test_a_batch_answers_each_bid_on_its_own(funded_investors, make_user, list_loan, staff, product, django_capture_on_commit_callbacks):
    """What a crowd of bidders on a hot loan meets: one batch, each bid decided in
    arrival order against what is left, the balance and the rules."""
    from peerfund.lending.services.bidding import BidRequest, bids_place_batch
    from peerfund.risk.blacklist import blacklist_add
    from peerfund.risk.services import RiskRefused

    first, second = funded_investors
    product.max_per_investor_fen = 10_000_000
    product.save()
    mule = make_user(username="mule")
    blacklist_add(staff=staff, kind="phone", value=second.phone, reason="mule account")
    loan = list_loan(make_user(username="borrower"), amount_fen=800_000)

    def request(user, amount, key):
        return BidRequest(investor=user, loan_id=loan.pk, amount_fen=amount, key=key, auto=True)

    with django_capture_on_commit_callbacks(execute=True):
        results = bids_place_batch(loan.pk, [
            request(first, 500_000, "a"),   # placed
            request(first, 500_000, "a"),   # the same key again in the batch: the same bid
            request(second, 100_000, "b"),  # blacklisted: refused by the risk rules
            request(first, 15_000, "c"),    # off the ¥100 step
            request(mule, 100_000, "d"),    # never verified: no account at the bank
            request(first, 200_000, "e"),   # only ¥1,000 of first's ¥6,000 is left after "a"
            request(first, 100_000, "f"),   # placed: ¥3,000 of the loan is left, ¥1,000 of the balance
            request(first, 100_000, "g"),   # placed: the balance is now nil, the loan has ¥2,000 left
        ])
    placed = [r for r in results if isinstance(r, Bid)]
    assert results[0] is results[1] or results[0].pk == results[1].pk
    assert isinstance(results[2], RiskRefused)
    assert (results[3].code, results[4].code, results[5].code) == ("bid.step", "bid.not_verified", "bid.insufficient")
    assert results[5].extra["available_fen"] == 100_000
    assert isinstance(results[6], Bid) and isinstance(results[7], AccountError) and results[7].code == "bid.insufficient"
    assert sorted({b.key for b in placed}) == ["a", "f"]
    loan.refresh_from_db()
    assert loan.left_fen == 800_000 - 600_000
    assert user_balances(first) == {"user_available": 0, "user_frozen": 600_000}


def test_a_frozen_investors_auto_bid_is_refused(funded_investors, make_user, list_loan, django_capture_on_commit_callbacks):
    first, _second = funded_investors
    first.frozen_at = clock.now()
    first.save(update_fields=["frozen_at"])
    loan = list_loan(make_user(username="borrower"))
    with pytest.raises(MoneyActionsLocked):
        with django_capture_on_commit_callbacks(execute=True):
            bid_place(investor=first, loan_id=loan.pk, amount_fen=100_000, trade_password="", key="auto", auto=True)
    assert not Bid.objects.exists()

