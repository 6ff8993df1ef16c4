"""The posting rules are the code form of principle 3: money reaches an investor only
from a borrower's repayment account of one loan (or a claim buyer). Every pair of
account kinds an entry kind does not list is refused; every listed pair posts."""
import itertools

import pytest

from peerfund.ledger import services as ledger
from peerfund.ledger.chart import ENTRY_RULES, AccountKind
from peerfund.ledger.chart import EntryKind as E
from peerfund.ledger.errors import PostingRuleViolation
from peerfund.ledger.models import Entry
from peerfund.ledger.tests.conftest import key

KINDS = list(AccountKind.values)


SHARED_KINDS = {AccountKind.PLEDGE_ESCROW, AccountKind.PLATFORM_FEE, AccountKind.PLATFORM_MARKETING, AccountKind.CUSTODY_CLEARING}


def _bobs(books, kind):
    """Bob's account of `kind` (the platform's for platform kinds)."""
    return {
        AccountKind.USER_AVAILABLE: books.bob_available,
        AccountKind.USER_FROZEN: books.bob_frozen,
        AccountKind.BORROWER_REPAYMENT: books.loan1_repayment,
        AccountKind.PLEDGE_ESCROW: books.pledge_escrow,
        AccountKind.PLATFORM_FEE: books.fee,
        AccountKind.PLATFORM_MARKETING: books.marketing,
        AccountKind.CUSTODY_CLEARING: books.clearing,
    }[kind]


def _others(books, kind):
    """Another holder's account of `kind` (still the platform's for platform kinds)."""
    return {
        AccountKind.USER_AVAILABLE: books.alice_available,
        AccountKind.USER_FROZEN: books.alice_frozen,
        AccountKind.BORROWER_REPAYMENT: books.loan2_repayment,
    }.get(kind) or _bobs(books, kind)


FORBIDDEN = [
    (entry_kind, src, dst)
    for entry_kind, rule in ENTRY_RULES.items()
    for src, dst in itertools.product(KINDS, KINDS)
    if (src not in rule.sources or dst not in rule.destinations) and not (src == dst and src in SHARED_KINDS)
]
ALLOWED = [
    (entry_kind, src, dst)
    for entry_kind, rule in ENTRY_RULES.items()
    for src, dst in itertools.product(sorted(rule.sources), sorted(rule.destinations))
]


def test_every_kind_has_rules():
    assert set(ENTRY_RULES) | {E.REVERSAL} == set(E.values)
    assert len(FORBIDDEN) > 5 * len(ALLOWED)


@pytest.mark.parametrize(("entry_kind", "src", "dst"), FORBIDDEN, ids=str)
def test_forbidden_pair_is_refused(funded_books, entry_kind, src, dst):
    before = Entry.objects.count()
    legs = [(_bobs(funded_books, src), -100), (_others(funded_books, dst), 100)]
    with pytest.raises(PostingRuleViolation) as excinfo:
        ledger.post(kind=entry_kind, legs=legs, key=key())
    assert excinfo.value.code == "ledger.forbidden"
    assert Entry.objects.count() == before


@pytest.mark.parametrize(("entry_kind", "src", "dst"), ALLOWED, ids=str)
def test_allowed_pair_posts(funded_books, entry_kind, src, dst):
    target = _bobs if ENTRY_RULES[entry_kind].same_owner else _others
    ledger.post(kind=entry_kind, legs=[(_bobs(funded_books, src), -100), (target(funded_books, dst), 100)], key=key())


def test_investor_cannot_be_paid_from_a_deposit_or_another_users_money(funded_books):
    books = funded_books
    # A "distribution" out of fresh deposits (the clearing account) or another investor.
    for source in (books.clearing, books.bob_available, books.bob_frozen, books.marketing, books.pledge_escrow):
        with pytest.raises(PostingRuleViolation):
            ledger.post(kind=E.REPAYMENT_DISTRIBUTE, legs=[(source, -100), (books.alice_available, 100)], key=key())


def test_a_distribution_pays_out_of_one_loan_only(funded_books):
    books = funded_books
    ledger.post(kind=E.REPAYMENT_COLLECT, legs=[(books.bob_available, -500), (books.loan2_repayment, 500)], key=key())
    # Loan 2's repayment cannot top up what loan 1's investors receive.
    with pytest.raises(PostingRuleViolation) as excinfo:
        ledger.post(
            kind=E.REPAYMENT_DISTRIBUTE,
            legs=[(books.loan1_repayment, -100), (books.loan2_repayment, -100), (books.alice_available, 200)],
            key=key(),
        )
    assert excinfo.value.extra["reason"] in {"single_source", "single_source_scope"}
    ledger.post(
        kind=E.REPAYMENT_DISTRIBUTE,
        legs=[(books.loan1_repayment, -300), (books.alice_available, 290), (books.fee, 10)],
        key=key(),
    )


def test_freezing_moves_only_ones_own_money(funded_books):
    books = funded_books
    with pytest.raises(PostingRuleViolation) as excinfo:
        ledger.post(kind=E.FREEZE, legs=[(books.bob_available, -100), (books.alice_frozen, 100)], key=key())
    assert excinfo.value.extra["reason"] == "same_owner"


def test_a_repayment_is_collected_into_one_loan(funded_books):
    books = funded_books
    with pytest.raises(PostingRuleViolation):
        ledger.post(
            kind=E.REPAYMENT_COLLECT,
            legs=[(books.bob_available, -200), (books.loan1_repayment, 100), (books.loan2_repayment, 100)],
            key=key(),
        )


def test_a_claim_sale_has_one_buyer(funded_books):
    books = funded_books
    with pytest.raises(PostingRuleViolation):
        ledger.post(
            kind=E.CLAIM_TRANSFER,
            legs=[(books.alice_available, -100), (books.bob_available, -100), (books.loan1_repayment, 0), (books.fee, 200)],
            key=key(),
        )


def test_reversal_kind_cannot_be_posted_freely(funded_books):
    books = funded_books
    with pytest.raises(PostingRuleViolation):
        ledger.check_entry_rules(E.REVERSAL, [(books.clearing, -1), (books.alice_available, 1)])
    with pytest.raises(PostingRuleViolation):
        ledger.post(kind="made_up", legs=[(books.clearing, -1), (books.alice_available, 1)], key=key())


def test_a_disbursement_cannot_net_a_fee_from_the_principal(funded_books):
    """No 砍头息 (Civil Code art. 670): a disbursement credits the borrower only; the
    platform's fee account takes nothing out of the lenders' money."""
    books = funded_books
    with pytest.raises(PostingRuleViolation) as excinfo:
        ledger.post(kind=E.LOAN_DISBURSE, legs=[(books.bob_frozen, -100), (books.alice_available, 98), (books.fee, 2)], key=key())
    assert excinfo.value.code == "ledger.forbidden"
    ledger.post(kind=E.LOAN_DISBURSE, legs=[(books.bob_frozen, -100), (books.alice_available, 100)], key=key())


def test_the_service_fee_comes_out_of_one_loans_repayment_account_to_the_platform_only(funded_books):
    books = funded_books
    ledger.post(kind=E.REPAYMENT_COLLECT, legs=[(books.bob_available, -500), (books.loan1_repayment, 500)], key=key())
    ledger.post(kind=E.LOAN_SERVICE_FEE, legs=[(books.loan1_repayment, -30), (books.fee, 30)], key=key())
    for legs in (
        [(books.loan1_repayment, -30), (books.alice_available, 30)],  # never to a user
        [(books.bob_available, -30), (books.fee, 30)],  # only out of what the borrower paid in
    ):
        with pytest.raises(PostingRuleViolation):
            ledger.post(kind=E.LOAN_SERVICE_FEE, legs=legs, key=key())
