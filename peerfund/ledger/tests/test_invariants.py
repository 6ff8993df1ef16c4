"""The invariant checker finds every kind of damage, and `ledger_check` exits non-zero."""
import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection

from peerfund.core import clock
from peerfund.ledger import close_steps as ledger_close_steps
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import EntryKind as E
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.models import Account, CheckRun, Entry, Posting


def _checks(violations) -> set[str]:
    return {v.check for v in violations}


def test_sound_books_pass_every_check(funded_books):
    assert ledger_check(include_external=False) == []


@pytest.mark.corrupts_books
def test_a_balance_changed_behind_posts_back_is_found(funded_books):
    Account.objects.filter(pk=funded_books.alice_available.pk).update(balance_fen=1)
    assert {"balance_equals_postings", "balance_after", "books_sum_to_zero"} <= _checks(ledger_check(include_external=False))


@pytest.mark.corrupts_books
def test_an_altered_posting_is_found(funded_books):
    posting = Posting.objects.filter(account=funded_books.alice_frozen).first()
    with connection.cursor() as cursor:  # SQLite has no append-only trigger; PostgreSQL refuses this
        if connection.vendor == "postgresql":
            pytest.skip("PostgreSQL refuses to alter a posting (see test_postgresql.py)")
        cursor.execute("UPDATE ledger_posting SET amount_fen = amount_fen + 1 WHERE id = %s", [posting.pk])
    assert {"entry_balanced", "balance_equals_postings", "running_balances"} <= _checks(ledger_check(include_external=False))


@pytest.mark.corrupts_books
def test_a_posting_without_its_entry_is_found(funded_books):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL refuses such a posting (see test_postgresql.py)")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, amount_fen, balance_after_fen) VALUES (999999, %s, 1, 1)",
            [funded_books.alice_available.pk],
        )
    assert "posting_entry" in _checks(ledger_check(include_external=False))


@pytest.mark.corrupts_books
def test_an_entry_written_behind_post_against_the_rules_is_found(funded_books):
    books = funded_books
    entry = ledger.post(kind=E.DEPOSIT, legs=[(books.clearing, -5), (books.alice_available, 5)], key="ok")
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL refuses to alter an entry (see test_postgresql.py)")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_entry SET kind = %s WHERE id = %s", [E.REPAYMENT_DISTRIBUTE, entry.pk])
    assert "entry_rules" in _checks(ledger_check(include_external=False))


@pytest.mark.corrupts_books
def test_ledger_check_command_exits_non_zero_on_a_violation(funded_books, capsys):
    call_command("ledger_check", "--ledger-only")
    assert "all invariants hold" in capsys.readouterr().out
    Account.objects.filter(pk=funded_books.bob_frozen.pk).update(balance_fen=0)
    with pytest.raises(SystemExit) as excinfo:
        call_command("ledger_check", "--ledger-only")
    assert excinfo.value.code == 1
    assert "balance_equals_postings" in capsys.readouterr().err


def test_entries_carry_the_platform_business_date(books):
    clock.travel_to(dt.date(2026, 5, 4))
    entry = ledger.post(kind=E.DEPOSIT, legs=[(books.clearing, -5), (books.alice_available, 5)], key="dated")
    assert entry.business_date == dt.date(2026, 5, 4)


def _latest_entry() -> int:
    return Entry.objects.order_by("-id").values_list("id", flat=True).first()


def test_a_check_after_a_mark_carries_the_running_balances_over(funded_books):
    books = funded_books
    mark = _latest_entry()
    ledger.post(kind=E.DEPOSIT, legs=[(books.clearing, -7), (books.alice_available, 7)], key="later")
    assert ledger_check(include_external=False, after_entry=mark) == []


@pytest.mark.corrupts_books
def test_a_check_after_a_mark_finds_damage_to_the_accounts_it_touches(funded_books):
    books = funded_books
    mark = _latest_entry()
    ledger.post(kind=E.DEPOSIT, legs=[(books.clearing, -7), (books.alice_available, 7)], key="later")
    Account.objects.filter(pk=books.alice_available.pk).update(balance_fen=1)
    assert {"balance_after", "books_sum_to_zero"} <= _checks(ledger_check(include_external=False, after_entry=mark))


@pytest.mark.corrupts_books
def test_the_nightly_check_starts_after_the_last_clean_one(funded_books, monkeypatch):
    monkeypatch.setattr(ledger_close_steps, "SETTLED_AFTER", dt.timedelta(0))
    books = funded_books
    day = clock.business_date()
    assert ledger_close_steps.check(on=day) == 0
    first = CheckRun.objects.get()
    assert (first.after_entry, first.through_entry) == (0, _latest_entry())
    ledger.post(kind=E.DEPOSIT, legs=[(books.clearing, -7), (books.alice_available, 7)], key="next-day")
    Account.objects.filter(pk=books.alice_available.pk).update(balance_fen=1)  # damage the next night must see
    assert ledger_close_steps.check(on=day + dt.timedelta(days=1)) > 0
    assert ledger_close_steps.check(on=day + dt.timedelta(days=2)) > 0  # still reported: it starts after the last clean run
    assert list(CheckRun.objects.order_by("id").values_list("after_entry", flat=True)) == [0, first.through_entry, first.through_entry]
