"""`make bench`: throughput of the money core, each figure as a ratio against a
baseline measured in the same run on the same throwaway database.

- baseline: the bare writes of one double-entry movement (an entry, two postings, two
  balance updates) with no checks at all;
- ledger.post: the same movement through the one posting function (rule table,
  guarded updates, idempotency key);
- custody_move: ledger.post plus the outbox instruction and the in-process sandbox
  bank applying it, as every real money action does.
"""
import os
import sys
import tempfile
import time

N = int(os.environ.get("BENCH_N", "1500"))


def _setup() -> None:
    os.environ.setdefault("PEERFUND_VAR_DIR", tempfile.mkdtemp(prefix="peerfund-bench-"))
    os.environ.setdefault("PEERFUND_HUEY_IMMEDIATE", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # Never the configured database: a throwaway SQLite file, or BENCH_DATABASE_URL
    # (an empty PostgreSQL database) when given.
    os.environ.pop("DATABASE_URL", None)
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _timed(label: str, run) -> float:
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    rate = N / elapsed
    print(f"  {label:<14} {rate:10.0f} movements/s")
    return rate


def main() -> int:
    _setup()
    from django.db import connection, transaction

    from peerfund.accounts.models import User
    from peerfund.core import clock
    from peerfund.custody.services import custody_account_open, custody_deposit, custody_move, platform_accounts_open
    from peerfund.ledger import services as ledger
    from peerfund.ledger.chart import EntryKind
    from peerfund.ledger.models import Entry, Posting

    platform_accounts_open()
    user = User.objects.create(username="bench")
    custody_account_open(user=user)
    with transaction.atomic():
        custody_deposit(user=user, amount_fen=10**12, key="bench-seed")
    accounts = ledger.user_accounts(user)
    available, frozen = accounts["user_available"], accounts["user_frozen"]
    today = clock.business_date()

    def baseline():
        for i in range(N):
            with transaction.atomic():
                entry = Entry.objects.create(kind=EntryKind.FREEZE, key=f"base-{i}", business_date=today)
                with connection.cursor() as cursor:
                    cursor.execute("UPDATE ledger_account SET balance_fen = balance_fen - 1 WHERE id = %s", [available.pk])
                    cursor.execute("UPDATE ledger_account SET balance_fen = balance_fen + 1 WHERE id = %s", [frozen.pk])
                Posting.objects.bulk_create(
                    [
                        Posting(entry=entry, account=available, amount_fen=-1, balance_after_fen=0),
                        Posting(entry=entry, account=frozen, amount_fen=1, balance_after_fen=0),
                    ]
                )

    def posts():
        for i in range(N):
            with transaction.atomic():
                ledger.post(kind=EntryKind.FREEZE, legs=[(available, -1), (frozen, 1)], key=f"post-{i}")

    def moves():
        for i in range(N):
            with transaction.atomic():
                custody_move(kind=EntryKind.FREEZE, legs=[(available, -1), (frozen, 1)], key=f"move-{i}")

    print(f"PeerFund money-core benchmark on {connection.vendor}, {N} movements each")
    base = _timed("baseline", baseline)
    post = _timed("ledger.post", posts)
    move = _timed("custody_move", moves)
    print(f"  ledger.post  = {post / base:.2f} x baseline")
    print(f"  custody_move = {move / base:.2f} x baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
