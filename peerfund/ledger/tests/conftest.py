"""Books with one account of every kind, funded through allowed entries only."""
import itertools
from dataclasses import dataclass

import pytest

from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind as K
from peerfund.ledger.chart import EntryKind as E
from peerfund.ledger.models import Account

_keys = itertools.count()


def key(prefix: str = "t") -> str:
    return f"{prefix}-{next(_keys)}"


@dataclass
class Books:
    alice_available: Account
    alice_frozen: Account
    bob_available: Account
    bob_frozen: Account
    loan1_repayment: Account
    loan2_repayment: Account
    pledge_escrow: Account
    fee: Account
    marketing: Account
    clearing: Account

    def all(self) -> list[Account]:
        return list(vars(self).values())


def fund(books: Books, amount: int = 1_000_000) -> None:
    """Put money in every account through allowed entries."""
    post = ledger.post
    for user_available in (books.alice_available, books.bob_available):
        post(kind=E.DEPOSIT, legs=[(books.clearing, -4 * amount), (user_available, 4 * amount)], key=key())
    post(kind=E.FREEZE, legs=[(books.alice_available, -amount), (books.alice_frozen, amount)], key=key())
    post(kind=E.FREEZE, legs=[(books.bob_available, -2 * amount), (books.bob_frozen, 2 * amount)], key=key())
    post(kind=E.REPAYMENT_COLLECT, legs=[(books.bob_available, -amount), (books.loan1_repayment, amount)], key=key())
    post(kind=E.PLEDGE_FUND, legs=[(books.bob_frozen, -amount), (books.pledge_escrow, amount)], key=key())
    post(kind=E.PLATFORM_FUNDING, legs=[(books.clearing, -amount), (books.marketing, amount)], key=key())
    post(
        kind=E.CLAIM_TRANSFER,
        legs=[(books.alice_available, -amount), (books.bob_available, amount - 100), (books.fee, 100)],
        key=key(),
    )


@pytest.fixture
def books(make_user) -> Books:
    alice, bob = make_user(username="alice"), make_user(username="bob")
    open_ = ledger.account_get_or_open
    books = Books(
        alice_available=open_(kind=K.USER_AVAILABLE, owner=alice),
        alice_frozen=open_(kind=K.USER_FROZEN, owner=alice),
        bob_available=open_(kind=K.USER_AVAILABLE, owner=bob),
        bob_frozen=open_(kind=K.USER_FROZEN, owner=bob),
        loan1_repayment=open_(kind=K.BORROWER_REPAYMENT, owner=bob, scope="loan:1"),
        loan2_repayment=open_(kind=K.BORROWER_REPAYMENT, owner=bob, scope="loan:2"),
        pledge_escrow=open_(kind=K.PLEDGE_ESCROW, scope="project:1"),
        fee=ledger.platform_account(K.PLATFORM_FEE),
        marketing=ledger.platform_account(K.PLATFORM_MARKETING),
        clearing=ledger.platform_account(K.CUSTODY_CLEARING),
    )
    return books


@pytest.fixture
def funded_books(books) -> Books:
    fund(books)
    for account in books.all():
        account.refresh_from_db()
    return books
