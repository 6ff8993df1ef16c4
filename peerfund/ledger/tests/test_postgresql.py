"""PostgreSQL guards and contention: the database itself refuses an unbalanced entry
and edits to the books, and 32 threads moving money among a few hot accounts leave no
negative balance, no lost update and no deadlock."""
import datetime as dt
import random
import threading

import pytest
from django.db import DatabaseError, IntegrityError, close_old_connections, connection, connections, transaction

from peerfund.accounts.models import User
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind as K
from peerfund.ledger.chart import EntryKind as E
from peerfund.ledger.errors import InsufficientBalance
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.models import Account, Entry, Posting

pytestmark = pytest.mark.postgresql


def test_an_unbalanced_entry_is_refused_by_the_database(books):
    with pytest.raises(IntegrityError, match="does not sum to zero"):
        with transaction.atomic():
            entry = Entry.objects.create(kind=E.DEPOSIT, key="raw", business_date=dt.date(2026, 1, 1))
            Posting.objects.create(entry=entry, account=books.alice_available, amount_fen=100, balance_after_fen=100)


def test_a_posting_for_a_missing_entry_is_refused_by_the_database(books):
    with pytest.raises(IntegrityError, match="does not exist"):
        with transaction.atomic():
            Posting.objects.bulk_create([
                Posting(entry_id=999_999, account=books.clearing, amount_fen=-100, balance_after_fen=-100),
                Posting(entry_id=999_999, account=books.alice_available, amount_fen=100, balance_after_fen=100),
            ])


def test_an_entry_completed_by_a_later_statement_is_refused(books):
    """An entry's postings land in one statement: a half written now and the other
    half later is refused at the first half."""
    with pytest.raises(IntegrityError, match="does not sum to zero"):
        with transaction.atomic():
            entry = Entry.objects.create(kind=E.DEPOSIT, key="raw-half", business_date=dt.date(2026, 1, 1))
            Posting.objects.create(entry=entry, account=books.clearing, amount_fen=-100, balance_after_fen=-100)
            Posting.objects.create(entry=entry, account=books.alice_available, amount_fen=100, balance_after_fen=100)


@pytest.mark.corrupts_books  # raw postings without moving the balances: only the trigger is under test
def test_a_balanced_raw_entry_passes_the_trigger(books):
    with transaction.atomic():
        entry = Entry.objects.create(kind=E.DEPOSIT, key="raw-ok", business_date=dt.date(2026, 1, 1))
        Posting.objects.bulk_create([
            Posting(entry=entry, account=books.clearing, amount_fen=-100, balance_after_fen=-100),
            Posting(entry=entry, account=books.alice_available, amount_fen=100, balance_after_fen=100),
        ])
    assert entry.postings.count() == 2


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_posting SET amount_fen = amount_fen + 1",
        "DELETE FROM ledger_posting",
        "UPDATE ledger_entry SET kind = 'deposit'",
        "DELETE FROM ledger_entry",
    ],
)
def test_books_are_append_only_in_sql(funded_books, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


THREADS = 32
MOVES_PER_THREAD = 25
START_FEN = 100_000


@pytest.mark.django_db(transaction=True)
def test_32_threads_on_hot_accounts_conserve_money_without_deadlock():
    users = [User.objects.create(username=f"hot{i}") for i in range(4)]
    clearing = ledger.platform_account(K.CUSTODY_CLEARING)
    fee = ledger.platform_account(K.PLATFORM_FEE)
    hot = [ledger.account_get_or_open(kind=K.USER_AVAILABLE, owner=u) for u in users]
    for i, account in enumerate(hot):
        with transaction.atomic():
            ledger.post(kind=E.DEPOSIT, legs=[(clearing, -START_FEN), (account, START_FEN)], key=f"seed-{i}")
    total = START_FEN * len(hot)

    errors: list[BaseException] = []
    refused = [0]
    accepted = [0]
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker(n: int):
        rng = random.Random(n)
        try:
            start.wait()
            for move in range(MOVES_PER_THREAD):
                buyer, seller = rng.sample(hot, 2)
                amount = rng.randint(1, 30_000)
                legs = [(buyer, -amount), (seller, amount - 1), (fee, 1)]
                try:
                    with transaction.atomic(durable=True):
                        ledger.post(kind=E.CLAIM_TRANSFER, legs=legs, key=f"t{n}-{move}")
                    with lock:
                        accepted[0] += 1
                except InsufficientBalance:
                    with lock:
                        refused[0] += 1
        except BaseException as exc:  # noqa: BLE001 - any other failure (deadlock, lost update) fails the test
            errors.append(exc)
        finally:
            close_old_connections()
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung (deadlock?)"
    assert errors == []
    assert accepted[0] + refused[0] == THREADS * MOVES_PER_THREAD
    assert accepted[0] > THREADS  # there was real contention, not only refusals

    balances = [Account.objects.get(pk=a.pk).balance_fen for a in hot]
    fees = Account.objects.get(pk=fee.pk).balance_fen
    assert min(balances) >= 0
    assert sum(balances) + fees == total
    assert fees == accepted[0]
    assert Entry.objects.filter(kind=E.CLAIM_TRANSFER).count() == accepted[0]
    assert ledger_check(include_external=False) == []
