"""post(): balanced, guarded, idempotent, append-only; reversals."""
import pytest
from django.db import IntegrityError, transaction

from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind as K
from peerfund.ledger.chart import EntryKind as E
from peerfund.ledger.errors import EntryKeyConflict, InsufficientBalance, PostingRuleViolation, UnbalancedEntry
from peerfund.ledger.models import Account, Entry, Posting
from peerfund.ledger.tests.conftest import key


def _balance(account) -> int:
    return Account.objects.get(pk=account.pk).balance_fen


def test_post_moves_balances_and_records_balance_after(books):
    entry = ledger.post(kind=E.DEPOSIT, legs=[(books.clearing, -12_345), (books.alice_available, 12_345)], key="d1", ref="DP-1")
    assert _balance(books.alice_available) == 12_345
    assert _balance(books.clearing) == -12_345  # the outside world's side
    postings = {p.account_id: p for p in entry.postings.all()}
    assert postings[books.alice_available.pk].balance_after_fen == 12_345
    assert entry.ref == "DP-1"


def test_unbalanced_entry_is_refused_and_writes_nothing(books):
    with pytest.raises(UnbalancedEntry) as excinfo:
        ledger.post(kind=E.DEPOSIT, legs=[(books.clearing, -100), (books.alice_available, 99)], key="u")
    assert excinfo.value.extra == {"difference_fen": -1}
    with pytest.raises(UnbalancedEntry):
        ledger.post(kind=E.DEPOSIT, legs=[(books.alice_available, 0), (books.clearing, 0)], key="u2")
    assert not Entry.objects.exists()


def test_amounts_must_be_integer_fen(books):
    with pytest.raises(TypeError):
        ledger.post(kind=E.DEPOSIT, legs=[(books.clearing, -1.5), (books.alice_available, 1.5)], key="f")
    with pytest.raises(UnbalancedEntry):
        ledger.post(kind=E.DEPOSIT, legs=[(books.clearing, -(10**16)), (books.alice_available, 10**16)], key="big")


def test_overdraft_is_refused_with_figures_and_the_entry_is_not_written(funded_books):
    books = funded_books
    available = _balance(books.alice_available)
    with pytest.raises(InsufficientBalance) as excinfo:
        ledger.post(kind=E.FREEZE, legs=[(books.alice_available, -(available + 1)), (books.alice_frozen, available + 1)], key="o")
    assert excinfo.value.extra["balance_fen"] == available
    assert excinfo.value.extra["needed_fen"] == available + 1
    assert _balance(books.alice_available) == available
    assert not Entry.objects.filter(key="o").exists()


def test_refused_posting_leaves_the_callers_other_work_alone(funded_books):
    books = funded_books
    with transaction.atomic():
        ledger.post(kind=E.FREEZE, legs=[(books.alice_available, -1), (books.alice_frozen, 1)], key="ok-1")
        with pytest.raises(InsufficientBalance):
            ledger.post(kind=E.FREEZE, legs=[(books.alice_available, -(10**12)), (books.alice_frozen, 10**12)], key="no")
    assert Entry.objects.filter(key="ok-1").exists()


def test_same_key_same_legs_returns_the_first_entry(funded_books):
    books = funded_books
    legs = [(books.alice_available, -500), (books.alice_frozen, 500)]
    first = ledger.post(kind=E.FREEZE, legs=legs, key="same")
    before = _balance(books.alice_frozen)
    again = ledger.post(kind=E.FREEZE, legs=legs, key="same")
    assert again.pk == first.pk
    assert _balance(books.alice_frozen) == before


def test_same_key_other_legs_is_a_conflict(funded_books):
    books = funded_books
    ledger.post(kind=E.FREEZE, legs=[(books.alice_available, -500), (books.alice_frozen, 500)], key="k")
    with pytest.raises(EntryKeyConflict):
        ledger.post(kind=E.FREEZE, legs=[(books.alice_available, -600), (books.alice_frozen, 600)], key="k")


def test_reversal_restores_balances_once(funded_books):
    books = funded_books
    before = (_balance(books.alice_available), _balance(books.alice_frozen))
    entry = ledger.post(kind=E.FREEZE, legs=[(books.alice_available, -700), (books.alice_frozen, 700)], key="r")
    reversal = ledger.reverse(entry=entry, key="rev-r", reason="bank refused")
    assert (_balance(books.alice_available), _balance(books.alice_frozen)) == before
    assert reversal.reverses == entry and reversal.memo == "bank refused"
    assert ledger.reverse(entry=entry, key="rev-r", reason="bank refused").pk == reversal.pk  # idempotent
    with pytest.raises(PostingRuleViolation) as excinfo:
        ledger.reverse(entry=entry, key="rev-again", reason="twice")
    assert excinfo.value.code == "ledger.already_reversed"
    with pytest.raises(PostingRuleViolation):
        ledger.reverse(entry=reversal, key="rev-rev", reason="undo the undo")


def test_database_refuses_a_negative_balance_even_behind_posts_back(books):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Account.objects.filter(pk=books.alice_available.pk).update(balance_fen=-1)
    Account.objects.filter(pk=books.clearing.pk).update(balance_fen=-1)  # clearing may go negative


def test_accounts_open_once_per_owner_kind_and_scope(books, make_user):
    again = ledger.account_get_or_open(kind=K.USER_AVAILABLE, owner=books.alice_available.owner)
    assert again.pk == books.alice_available.pk
    with pytest.raises(ValueError):
        ledger.account_get_or_open(kind=K.USER_AVAILABLE)
    with pytest.raises(ValueError):
        ledger.account_get_or_open(kind=K.BORROWER_REPAYMENT, owner=make_user(username="x"))
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Account.objects.create(kind=K.PLATFORM_FEE)


def test_entries_and_postings_are_written_together(funded_books):
    count_entries, count_postings = Entry.objects.count(), Posting.objects.count()
    ledger.post(kind=E.FREEZE, legs=[(funded_books.alice_available, -1), (funded_books.alice_frozen, 1)], key=key())
    assert (Entry.objects.count(), Posting.objects.count()) == (count_entries + 1, count_postings + 2)
