"""The daily close's automatic debit keeps the lock order (docs/money-core.md, "Lock
order") against the people whose money it moves, raced on PostgreSQL with threads on
separate connections.

Each round, one chunk of the close debits nine loans of three borrowers — by the
set-based SQL where a loan pays all it owes, loan by loan where a borrower's balance
covers only part — while, at the same moment, each borrower repays another loan of
theirs by hand, the loans' investors and the borrowers bid on a loan in the hall, and
the investors withdraw. The borrowers' accounts were opened after the investors', so
their ids are higher: a chunk that locks the borrowers' balances first and the
investors' at posting waits for them the wrong way round. No user-facing call gets
a deadlock or a 500 (each succeeds or is refused with a clean ApplicationError), the
close's chunk completes (its own retry of a lost lock race is the close's business,
not a user's), and the books are exact."""
import datetime as dt
from decimal import Decimal

import pytest

from peerfund.accounts.models import User
from peerfund.accounts.services.cards import card_bind
from peerfund.cob import services as cob_services
from peerfund.core import clock
from peerfund.core.errors import ApplicationError
from peerfund.funds.services.withdrawals import withdrawal_request
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.selectors import user_balances
from peerfund.lending.models import Loan, Repayment
from peerfund.lending.services import repayment as repayment_service
from peerfund.lending.services.bidding import bid_place
from peerfund.lending.services.repayment import loan_repay, loans_auto_debit
from peerfund.tests_support.book import INTEREST_FEN, SHARE_FEN, repaying_book
from peerfund.tests_support.concurrency import start_together
from peerfund.tests_support.money import committing, pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, card_number, verify_directly

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

ROUNDS = 6
PER_LOAN = 3
INSTALMENT_FEN = PER_LOAN * (SHARE_FEN + INTEREST_FEN)
BORROWERS = 3
LOANS_IN_CHUNK = 3 * BORROWERS  # three per borrower; each borrower's fourth is repaid by hand
PER_ROUND = LOANS_IN_CHUNK + BORROWERS
# Borrower 0 can pay one and a half instalments (part of its debit goes loan by loan);
# the others all four and a bid (their chunk loans go by the set-based debit).
FUNDS = [INSTALMENT_FEN * 3 // 2, 4 * INSTALMENT_FEN + 10_000, 4 * INSTALMENT_FEN + 10_000]
INVESTOR_DEPOSIT_FEN = 200_000


@pytest.fixture(autouse=True)
def _fast_and_free(settings):
    # The trade-password check must not decide who comes first; fresh deposits may leave.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PEERFUND_COOLING_OFF_DAYS = 0
    settings.PEERFUND_WITHDRAW_DAILY_COUNT = ROUNDS


def _book(on: dt.date):
    """A book of loans due today, each round's own, lent by borrowers whose accounts
    are younger (higher ids) than their investors'; the investors with a card, and a
    loan in the hall for everyone to bid on."""
    book = repaying_book(loans=ROUNDS * PER_ROUND, per_loan=PER_LOAN, borrowers=1, investors=6, due_dates=[on], prefix="close-")
    borrowers = [verify_directly(User.objects.create(username=f"late-borrower{n}"), 500 + n) for n in range(BORROWERS)]
    for n, loan_id in enumerate(book.loan_ids):
        Loan.objects.filter(pk=loan_id).update(borrower=borrowers[n % BORROWERS])
    for n, investor in enumerate(book.investors):
        card_bind(user=investor, card_number=card_number(serial=7000 + n), holder_name=f"出借人{1 + n}")
    now = clock.now()
    hall = Loan.objects.create(borrower=book.borrowers[0], product=Loan.objects.get(pk=book.loan_ids[0]).product, title="hall",
                               amount_fen=10**8, left_fen=10**8, months=12, annual_rate=Decimal("0.1"), grade="A", listed_at=now,
                               deadline=now + dt.timedelta(days=1))
    return book, borrowers, hall


def test_the_close_debiting_while_its_people_repay_bid_and_withdraw_deadlocks_no_user(monkeypatch):
    on = clock.business_date()
    set_based_took: list[int] = []
    real = repayment_service.debit_in_full

    def spied(**kwargs):
        left = real(**kwargs)
        set_based_took.extend(set(kwargs["loan_ids"]) - left)
        return left

    monkeypatch.setattr(repayment_service, "debit_in_full", spied)
    # Open since the platform's first fee; the first withdrawals ever, racing to open
    # it, are another story than the close's.
    ledger.platform_account(AccountKind.PLATFORM_FEE)
    refusals, done = [], []
    book, borrowers, hall = _book(on)
    for number in range(ROUNDS):
        loan_ids = book.loan_ids[number * PER_ROUND:(number + 1) * PER_ROUND]
        chunk = loan_ids[:LOANS_IN_CHUNK]
        by_hand = [(borrowers[n % BORROWERS], loan_id) for n, loan_id in enumerate(loan_ids) if n >= LOANS_IN_CHUNK]
        for investor in book.investors:
            pay_deposit(investor, INVESTOR_DEPOSIT_FEN, committing, key=f"seed{number}")
        for borrower, fen in zip(borrowers, FUNDS, strict=True):
            pay_deposit(borrower, fen, committing, key=f"seed{number}")

        def race(side, number=number, book=book, hall=hall, chunk=chunk):
            kind, *args = side
            if kind == "close":
                done.append(cob_services._retrying("the auto-debit chunk", lambda: loans_auto_debit(loan_ids=chunk, on=on)))
                return
            try:  # a user's call: done, or refused with a message; anything else fails the test
                if kind == "repay":
                    borrower, loan_id = args
                    loan_repay(borrower=borrower, loan_id=loan_id, amount_fen=None, trade_password=TRADE_PASSWORD, key=f"hand{number}")
                elif kind == "bid":
                    bid_place(investor=args[0], loan_id=hall.pk, amount_fen=10_000, trade_password=TRADE_PASSWORD, key=f"hall{number}")
                else:
                    withdrawal_request(user=args[0], amount_fen=50_000, card_id=args[0].bank_cards.get().pk, trade_password=TRADE_PASSWORD, key=f"out{number}")
            except ApplicationError as refusal:
                refusals.append(refusal.code)

        sides = [("close",), *(("repay", *pair) for pair in by_hand), *(("bid", user) for user in [*book.investors, *borrowers]),
                 *(("withdraw", user) for user in book.investors)]
        assert start_together(race, sides) == []

        # The close completed: every chunk loan of a borrower who could pay was debited.
        debited = dict(Repayment.objects.filter(loan_id__in=chunk, key=f"auto:{on.isoformat()}").values_list("loan_id", "amount_fen"))
        for n, loan_id in enumerate(chunk):
            if n % BORROWERS:
                assert debited[loan_id] == INSTALMENT_FEN
        assert 0 < sum(fen for loan_id, fen in debited.items() if chunk.index(loan_id) % BORROWERS == 0) <= FUNDS[0]
        for borrower, fen in zip(borrowers, FUNDS, strict=True):
            paid = sum(Repayment.objects.filter(loan__borrower=borrower).values_list("amount_fen", flat=True))
            assert user_balances(borrower)["user_available"] + user_balances(borrower)["user_frozen"] == (number + 1) * fen - paid
    assert len(done) == ROUNDS
    assert set_based_took, "the set-based debit never ran"
    assert set(refusals) <= {"repay.insufficient", "ledger.insufficient_balance", "bid.insufficient"}
    assert ledger_check() == []
