"""post_many(): a batch posts exactly what the same entries posted one by one would."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerfund.ledger import services as ledger
from peerfund.ledger.chart import EntryKind as E
from peerfund.ledger.errors import EntryKeyConflict, InsufficientBalance
from peerfund.ledger.models import Account, Entry, Posting
from peerfund.ledger.tests.conftest import key

# (from alice?, amount): freezes and unfreezes between alice's or bob's two accounts.
moves = st.lists(st.tuples(st.booleans(), st.booleans(), st.integers(min_value=1, max_value=400_000)), min_size=1, max_size=12)


def _specs(books, batch):
    specs = []
    for alice, freeze, amount in batch:
        available, frozen = (books.alice_available, books.alice_frozen) if alice else (books.bob_available, books.bob_frozen)
        legs = [(available, -amount), (frozen, amount)] if freeze else [(frozen, -amount), (available, amount)]
        specs.append(ledger.EntrySpec(kind=E.FREEZE if freeze else E.UNFREEZE, legs=legs, key=key("pm")))
    return specs


def _replay(start: dict[int, int], specs) -> tuple[dict[int, int], list[list[int]]] | None:
    """An independent model: apply each entry in order; None if one overdraws."""
    balances, afters = dict(start), []
    for spec in specs:
        after = []
        for account, amount in sorted(spec.legs, key=lambda leg: leg[0].pk):
            balances[account.pk] += amount
            if balances[account.pk] < 0:
                return None
            after.append(balances[account.pk])
        afters.append(after)
    return balances, afters


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=moves)
def test_a_batch_equals_its_entries_posted_in_order(funded_books, batch):
    books = funded_books
    start = {a.pk: a.balance_fen for a in Account.objects.all()}
    specs = _specs(books, batch)
    expected = _replay(start, specs)
    if expected is None:
        with pytest.raises(InsufficientBalance):
            ledger.post_many(specs)
        assert {a.pk: a.balance_fen for a in Account.objects.all()} == start  # nothing half-written
        assert not Entry.objects.filter(key__in=[s.key for s in specs]).exists()
        return
    entries = ledger.post_many(specs)
    balances, afters = expected
    assert {a.pk: a.balance_fen for a in Account.objects.all()} == balances
    assert [e.key for e in entries] == [s.key for s in specs]
    for entry, after in zip(entries, afters, strict=True):
        assert list(Posting.objects.filter(entry=entry).order_by("account_id").values_list("balance_after_fen", flat=True)) == after
    # Posting the batch again is a no-op that returns the same entries.
    assert [e.pk for e in ledger.post_many(specs)] == [e.pk for e in entries]
    assert {a.pk: a.balance_fen for a in Account.objects.all()} == balances


def test_a_key_reused_for_another_movement_in_a_batch_is_refused(funded_books):
    books = funded_books
    first = ledger.post(kind=E.FREEZE, legs=[(books.alice_available, -5), (books.alice_frozen, 5)], key="same")
    other = ledger.EntrySpec(kind=E.FREEZE, legs=[(books.alice_available, -6), (books.alice_frozen, 6)], key="same")
    with pytest.raises(EntryKeyConflict):
        ledger.post_many([other])
    assert Entry.objects.get(key="same") == first


def test_a_batch_takes_each_key_once(funded_books):
    spec = _specs(funded_books, [(True, True, 1)])[0]
    with pytest.raises(ValueError, match="each key once"):
        ledger.post_many([spec, spec])
