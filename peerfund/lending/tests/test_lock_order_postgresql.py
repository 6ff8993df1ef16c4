"""One lock order (docs/money-core.md, "Lock order"), raced on PostgreSQL with threads
on separate connections: a loan failing while bids on it are being placed, a
repayment or prepayment submitted twice at once, and a claim bought while the
loan's product is locked by someone else. No deadlock and no 500
reaches anyone, and the books are right."""
import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connections, transaction

from peerfund.accounts.models import User
from peerfund.core import clock
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.selectors import user_balances
from peerfund.lending.models import Bid, ClaimPurchase, Investment, Loan, LoanProduct, Repayment
from peerfund.lending.services.bidding import BidRefused, bid_place, loan_fail
from peerfund.lending.services.repayment import loan_prepay, loan_repay
from peerfund.lending.services.transfer import claim_buy, claim_list
from peerfund.tests_support.book import repaying_book
from peerfund.tests_support.concurrency import start_together
from peerfund.tests_support.money import committing, pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, verify_directly

from .test_hot_loan_postgresql import _market

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]
ROUNDS = 8


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # The trade-password check must not decide who comes first.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PEERFUND_COOLING_OFF_DAYS = 0


def test_a_loan_failing_while_bids_on_it_are_placed_never_deadlocks(make_user):
    """Each round: two investors already bid on a loan; the loan fails (releasing
    their bids) while both bid again. Each new bid is placed and then released, or
    refused as closed; never a deadlock. Every fen frozen comes back."""
    loan, investors = _market(make_user, 2, deposit_fen=10_000_000, left_fen=1_000_000)
    product = loan.product
    outcomes = []
    for number in range(ROUNDS):
        if number:
            now = clock.now()
            loan = Loan.objects.create(borrower=loan.borrower, product=product, title=f"round {number}", amount_fen=1_000_000, left_fen=1_000_000,
                                       months=12, annual_rate=Decimal("0.1"), grade="A", listed_at=now, deadline=now + dt.timedelta(days=1))
        for investor in investors:
            bid_place(investor=investor, loan_id=loan.pk, amount_fen=10_000, trade_password="", key=f"first{number}", auto=True)

        def race(side, loan=loan, number=number):
            if side == "fail":
                loan_fail(loan=loan, reason="refused at full review")
                return
            try:
                bid_place(investor=side, loan_id=loan.pk, amount_fen=20_000, trade_password="", key=f"again{number}", auto=True)
                outcomes.append("placed")
            except BidRefused as refusal:
                outcomes.append(refusal.code)

        assert start_together(race, ["fail", *investors]) == []
        loan.refresh_from_db()
        assert loan.status == Loan.Status.FAILED
        assert set(Bid.objects.filter(loan=loan).values_list("status", flat=True)) == {Bid.Status.RELEASED}
    assert set(outcomes) <= {"placed", "bid.closed"} and len(outcomes) == 2 * ROUNDS
    for investor in investors:
        assert user_balances(investor) == {"user_available": 10_000_000, "user_frozen": 0}
    assert ledger_check() == []


def test_a_repayment_or_prepayment_submitted_twice_at_once_is_made_once():
    """The borrower's app sends the same payment twice at the same moment (a double
    tap, a retry): both answers are the one repayment, and the money moves once."""
    on = clock.business_date()
    book = repaying_book(loans=2, per_loan=3, borrowers=2, investors=4, due_dates=[on], prefix="twice")
    for user in book.borrowers:
        pay_deposit(user, 200_000, committing, key="seed")
    repaying, prepaying = book.loan_ids
    answers = {"repay": [], "prepay": []}

    def repay(_n):
        answers["repay"].append(loan_repay(borrower=book.borrowers[0], loan_id=repaying, amount_fen=None, trade_password=TRADE_PASSWORD, key="tap"))

    assert start_together(repay, [1, 2]) == []
    first = Repayment.objects.get(loan_id=repaying)
    assert [r.pk for r in answers["repay"]] == [first.pk, first.pk]
    assert user_balances(book.borrowers[0])["user_available"] == 200_000 - first.amount_fen

    # The other loan's first instalment is paid; then all the rest is prepaid, twice at once.
    loan_repay(borrower=book.borrowers[1], loan_id=prepaying, amount_fen=None, trade_password=TRADE_PASSWORD, key="i1")

    def prepay(_n):
        answers["prepay"].append(loan_prepay(borrower=book.borrowers[1], loan_id=prepaying, principal_fen=None, mode="reduce_term",
                                             trade_password=TRADE_PASSWORD, key="all"))

    assert start_together(prepay, [1, 2]) == []
    prepayment = Repayment.objects.get(loan_id=prepaying, key="all")
    assert [r.pk for r in answers["prepay"]] == [prepayment.pk, prepayment.pk]
    assert Loan.objects.get(pk=prepaying).status == Loan.Status.SETTLED
    paid = sum(Repayment.objects.filter(loan_id=prepaying).values_list("amount_fen", flat=True))
    assert user_balances(book.borrowers[1])["user_available"] == 200_000 - paid
    assert ledger_check() == []


def test_buying_a_claim_locks_the_loan_and_the_listing_not_the_product():
    """While another transaction holds the loan's product row (staff editing the
    product, which every loan of it shares), a claim on the loan can still be bought:
    claim_buy names its locks (of=), so it does not wait for it."""
    on = clock.business_date()
    book = repaying_book(loans=1, per_loan=2, borrowers=1, investors=2, due_dates=[on], prefix="claim")
    (loan_id,) = book.loan_ids
    pay_deposit(book.borrowers[0], 100_000, committing, key="seed")
    loan_repay(borrower=book.borrowers[0], loan_id=loan_id, amount_fen=None, trade_password=TRADE_PASSWORD, key="i1")
    product_id = Loan.objects.get(pk=loan_id).product_id
    LoanProduct.objects.filter(pk=product_id).update(holding_days=0)
    seller_investment = Investment.objects.filter(loan_id=loan_id).order_by("id").first()
    listing = claim_list(seller=seller_investment.investor, investment_id=seller_investment.pk, principal_fen=None, discount_rate=Decimal("0"))
    buyer = User.objects.create(username="claim-buyer")
    verify_directly(buyer, 9)
    pay_deposit(buyer, 100_000, committing, key="seed")

    held, let_go, released = threading.Event(), threading.Event(), threading.Event()

    def hold_product():
        try:
            with transaction.atomic():
                LoanProduct.objects.select_for_update().get(pk=product_id)
                held.set()
                let_go.wait(timeout=10)
            released.set()
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_product)
    holder.start()
    try:
        assert held.wait(timeout=30)
        purchase = claim_buy(buyer=buyer, listing_id=listing.pk, principal_fen=listing.principal_fen, trade_password=TRADE_PASSWORD, key="buy")
        bought_while_held = not released.is_set()
    finally:
        let_go.set()
        holder.join(timeout=30)
    assert bought_while_held
    assert ClaimPurchase.objects.get(buyer=buyer, key="buy").pk == purchase.pk
    assert user_balances(buyer)["user_available"] == 100_000 - purchase.price_fen
    assert ledger_check() == []
