"""`make bench-cob`: the daily close over a large book, on PostgreSQL.

Generates BENCH_LOANS repaying loans (default 100,000) with BENCH_INVESTORS_PER_LOAN
investments each (default 20), two open instalments per loan (this month's and the
next, so a debit does not settle the loan) and their receivables, due dates spread over
30 days with a month-end peak; 1,000 borrowers with
money in their balances. Then closes one ordinary business day and the month-end day,
and prints loans processed per second, investor postings per second and — measured in
the same run — the database's bulk-insert ceiling for the same number of posting rows
(COPY into a table shaped like ledger_posting).

The close fans its chunks out to a huey consumer with BENCH_CONSUMERS worker
processes (default 2, one per core; 0 runs them in the closing process), as a
deployment does. The same consumer sends the bank instructions the chunks queue;
those still queued when the close ends are sent afterwards, untimed (the bank is
another party). Ends with the full ledger check. BENCH_PROFILE=1 (with
BENCH_CONSUMERS=0) writes a cProfile of each close to the temp folder.

The book is written with bulk inserts (not through origination and disbursement: the
close is what is measured); borrowers are funded through the custodian, so ledger and
bank agree.
"""
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal

LOANS = int(os.environ.get("BENCH_LOANS", "100000"))
PER_LOAN = int(os.environ.get("BENCH_INVESTORS_PER_LOAN", "20"))
BORROWERS = int(os.environ.get("BENCH_BORROWERS", "1000"))
INVESTORS = int(os.environ.get("BENCH_INVESTOR_POOL", "2000"))
# Huey consumer processes the close's chunks fan out to (0: the close runs them itself).
CONSUMERS = int(os.environ.get("BENCH_CONSUMERS", "2"))
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BATCH = 20_000


def _setup() -> tuple[str, str]:
    import psycopg

    name = f"peerfund_bench_cob_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{SERVER.rsplit('/', 1)[0]}/{name}"
    os.environ.update({"DATABASE_URL": url, "PEERFUND_HUEY_IMMEDIATE": "1", "DJANGO_SETTINGS_MODULE": "config.settings"})
    os.environ.setdefault("PEERFUND_VAR_DIR", tempfile.mkdtemp(prefix="peerfund-bench-"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # The close never asks for trade passwords; a fast hasher keeps writing the book short.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    call_command("migrate", verbosity=0)
    return name, url


def _drop(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _book(first_due: dt.date) -> dt.date:
    """Write the book; returns the month-end date (the peak)."""
    from peerfund.accounts.models import User
    from peerfund.core import clock
    from peerfund.custody.services import custody_deposit, platform_accounts_open
    from peerfund.lending.models import Investment, Loan, LoanProduct, Receivable, RepaymentInstalment
    from peerfund.lending.schedules import Method
    from peerfund.tests_support.people import verify_directly

    platform_accounts_open()
    product = LoanProduct.objects.create(
        name="bench", min_amount_fen=10_000, max_amount_fen=10**10, terms_months=[12], method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.1"), rate_max=Decimal("0.1"), service_fee_rate=Decimal("0"), max_per_investor_fen=10**10, required_risk_level="C1",
    )
    borrowers = []
    for n in range(BORROWERS):
        user = verify_directly(User.objects.create(username=f"borrower{n}"), n)
        custody_deposit(user=user, amount_fen=10**9, key="seed")
        borrowers.append(user)
    investors = [verify_directly(User.objects.create(username=f"investor{n}"), BORROWERS + n) for n in range(INVESTORS)]
    month_end = first_due + dt.timedelta(days=29)
    now = clock.now()
    share = 10_000  # ¥100 per investor and instalment principal
    loan_ids = []
    for start in range(0, LOANS, BATCH):
        loans = Loan.objects.bulk_create(
            Loan(borrower=borrowers[n % BORROWERS], product=product, title=f"bench {n}", amount_fen=PER_LOAN * share * 12, left_fen=0, months=12,
                 annual_rate=Decimal("0.1"), grade="A", status=Loan.Status.DISBURSED, listed_at=now, deadline=now)
            for n in range(start, min(start + BATCH, LOANS))
        )
        loan_ids += [loan.pk for loan in loans]
    due_of = {}
    for position, loan_id in enumerate(loan_ids):
        # 70 % spread over the month, 30 % on its last day (salary-day loans)
        due_of[loan_id] = month_end if position % 10 < 3 else first_due + dt.timedelta(days=position % 29)
    # This month's instalment and next month's, so a debit does not settle the loan (a
    # real month settles about one loan in twelve).
    RepaymentInstalment.objects.bulk_create(
        (RepaymentInstalment(loan_id=loan_id, number=number, due_date=due_of[loan_id] + dt.timedelta(days=30 * (number - 1)),
                             principal_fen=PER_LOAN * share, interest_fen=PER_LOAN * 83)
         for loan_id in loan_ids for number in (1, 2)), batch_size=BATCH,
    )
    for start in range(0, len(loan_ids), BATCH // PER_LOAN):
        chunk = loan_ids[start:start + BATCH // PER_LOAN]
        investments = Investment.objects.bulk_create(
            Investment(loan_id=loan_id, investor=investors[(loan_id * 7 + k) % INVESTORS], principal_fen=share * 12, acquired_on=first_due - dt.timedelta(days=30))
            for loan_id in chunk for k in range(PER_LOAN)
        )
        Receivable.objects.bulk_create(
            Receivable(investment=inv, number=number, due_date=due_of[inv.loan_id] + dt.timedelta(days=30 * (number - 1)), principal_fen=share, interest_fen=83)
            for inv in investments for number in (1, 2)
        )
    return month_end


def _ceiling(url: str, rows: int, *, indexed: bool = False) -> float:
    """Rows per second COPY writes into a table shaped like ledger_posting: its
    columns only, or (`indexed`) also its indexes."""
    import psycopg

    table = "bench_posting_indexed" if indexed else "bench_posting"
    with psycopg.connect(url, autocommit=True) as conn:
        if indexed:
            conn.execute(f"CREATE TABLE {table} (LIKE ledger_posting INCLUDING ALL)")
        else:
            conn.execute(f"CREATE TABLE {table} (id bigserial primary key, entry_id bigint not null, account_id bigint not null,"
                         " amount_fen bigint not null, balance_after_fen bigint not null)")
        started = time.monotonic()
        with conn.cursor().copy(f"COPY {table} (entry_id, account_id, amount_fen, balance_after_fen) FROM STDIN") as copy:
            for n in range(rows):
                copy.write_row((n // 22, n % 3000, 10_083, n))
        return rows / (time.monotonic() - started)


def _settle_before(day: dt.date) -> None:
    """Instalments due before `day` count as paid by the closes of the days before
    (not timed), so the timed close has only its own day's load."""
    from peerfund.lending.models import RepaymentInstalment

    RepaymentInstalment.objects.filter(status="due", due_date__lt=day).update(status="paid", paid_on=day)


def _close(day: dt.date) -> tuple[float, int, int]:
    from peerfund.cob.services import close_run
    from peerfund.core import clock
    from peerfund.ledger.models import Posting
    from peerfund.lending.models import Repayment

    clock.travel_to(day + dt.timedelta(days=1))
    postings, repayments = Posting.objects.count(), Repayment.objects.count()
    finished: dict[str, float] = {}  # step name -> when its last progress came
    started = time.monotonic()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        cProfile.runctx("close_run(on=day)", globals(), {"close_run": close_run, "day": day}, os.path.join(tempfile.gettempdir(), f"cob-{day}.prof"))
    else:
        close_run(on=day, fan_out=bool(CONSUMERS), progress=lambda step, _done, _total: finished.__setitem__(step.name, time.monotonic()))
    elapsed = time.monotonic() - started
    marks = [started, *finished.values()]
    slowest = sorted(((b - a, name) for a, b, name in zip(marks, marks[1:], finished, strict=False)), reverse=True)[:3]
    print(f"  {day}: slowest steps " + ", ".join(f"{name} {seconds:.1f} s" for seconds, name in slowest))
    return elapsed, Repayment.objects.count() - repayments, Posting.objects.count() - postings


def _consumers(count: int) -> subprocess.Popen:
    """A huey consumer with `count` worker processes, as a deployment runs them."""
    return subprocess.Popen(  # noqa: S603 (our own interpreter and command)
        [sys.executable, "manage.py", "run_huey", "--workers", str(count), "--worker-type", "process"],
        env={**os.environ, "PEERFUND_HUEY_IMMEDIATE": "0"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _send_all() -> None:
    """Wait until every queued bank instruction is sent (then the books can be
    compared with the bank's)."""
    from peerfund.custody.models import Instruction

    while Instruction.objects.filter(status=Instruction.Status.PENDING).exists():
        time.sleep(0.5)


def main() -> int:
    name, url = _setup()
    try:
        from peerfund.core import clock
        from peerfund.ledger.invariants import ledger_check

        generated = time.monotonic()
        first_due = clock.business_date() + dt.timedelta(days=1)
        month_end = _book(first_due)
        from django.db import connection

        with connection.cursor() as cursor:  # a live database has statistics; a freshly loaded one needs them
            cursor.execute("ANALYZE")
        generated = time.monotonic() - generated
        from huey.contrib.djhuey import HUEY

        HUEY.immediate = False  # tasks go to the queue, for the consumers
        ordinary_day = first_due + dt.timedelta(days=3)
        _settle_before(ordinary_day)
        workers = _consumers(CONSUMERS) if CONSUMERS else None
        try:
            ordinary = _close(ordinary_day)
            _settle_before(month_end)
            peak = _close(month_end)
            sending = time.monotonic()
            if not CONSUMERS:
                workers = _consumers(2)  # the bank instructions still need sending
            _send_all()
            sending = time.monotonic() - sending
        finally:
            if workers is not None:
                workers.terminate()
                workers.wait()
        ceiling = _ceiling(url, max(peak[2], 1))
        indexed_ceiling = _ceiling(url, max(peak[2], 1), indexed=True)
        violations = ledger_check()
        mode = f"chunks fanned out to {CONSUMERS} huey worker processes" if CONSUMERS else "chunks run in the closing process"
        print(f"daily close on PostgreSQL: {LOANS:,} repaying loans x {PER_LOAN} investments, {mode} (book written in {generated:.0f} s)")
        for label, (elapsed, loans, postings) in (("ordinary day", ordinary), ("month-end day", peak)):
            print(f"  {label:<14} {elapsed:7.1f} s  {loans:,} loans repaid = {loans / elapsed:7.0f} loans/s, "
                  f"{postings:,} postings = {postings / elapsed:8.0f} postings/s = {postings / elapsed / ceiling:.4f} x ceiling")
        print(f"  bulk-insert ceiling {ceiling:10.0f} rows/s (COPY, same table shape, same run)")
        print(f"  with ledger_posting's indexes {indexed_ceiling:10.0f} rows/s (month-end postings/s = {peak[2] / peak[0] / indexed_ceiling:.4f} x this)")
        print(f"  bank instructions still queued after the closes sent in {sending:.0f} s (the sandbox bank, not timed above)")
        print(f"  ledger check        {'clean' if not violations else violations[:3]}")
        return 0 if not violations else 1
    finally:
        _drop(name)


if __name__ == "__main__":
    sys.exit(main())
