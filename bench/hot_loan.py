"""`make bench-hot-loan`: 64 concurrent bidders on one ¥1,000,000 loan in ¥100 bids,
on PostgreSQL, through the bid service and then through the REST API under gunicorn —
and, measured in the same run with the same concurrency, the database's own hot-row
ceiling: a plain transaction doing a guarded
single-row UPDATE plus one INSERT through psycopg.

It creates a throwaway database (BENCH_DATABASE_URL's server, default the local
PostgreSQL), drops it afterwards, and prints accepted bids/s, the ceiling, their ratio,
the over-subscription (must be 0) and the ledger check.
"""
import os
import sys
import tempfile
import threading
import time
import uuid

BIDDERS = int(os.environ.get("BENCH_BIDDERS", "64"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def _race(worker, count: int) -> float:
    """Start `count` threads running worker(index) together; the seconds they took."""
    barrier = threading.Barrier(count + 1)

    def run(index):
        barrier.wait()
        worker(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.monotonic()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def _database() -> tuple[str, str]:
    import psycopg

    name = f"peerfund_bench_{uuid.uuid4().hex[:8]}"
    base = SERVER.rsplit("/", 1)[0]
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{base}/{name}"


def _drop(name: str) -> None:
    import psycopg

    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _setup(url: str):
    os.environ["DATABASE_URL"] = url
    os.environ["PEERFUND_HUEY_IMMEDIATE"] = "1"
    os.environ["PEERFUND_FAST_PASSWORD_HASHER"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("PEERFUND_VAR_DIR", tempfile.mkdtemp(prefix="peerfund-bench-"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _market():
    import datetime as dt
    from decimal import Decimal

    from peerfund.accounts.models import User
    from peerfund.core import clock
    from peerfund.custody.services import custody_deposit, platform_accounts_open
    from peerfund.lending.models import Loan, LoanProduct
    from peerfund.lending.schedules import Method
    from peerfund.tests_support.people import verify_directly

    platform_accounts_open()
    product = LoanProduct.objects.create(
        name="bench", min_amount_fen=10_000, max_amount_fen=10**10, terms_months=[12], method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.1"), rate_max=Decimal("0.1"), service_fee_rate=Decimal("0.01"), min_bid_fen=10_000, bid_step_fen=10_000,
        max_per_investor_fen=10**10, required_risk_level="C1",
    )
    borrower = User.objects.create(username="bench-borrower")
    investors = []
    for i in range(BIDDERS):
        user = verify_directly(User.objects.create(username=f"bidder{i}"), i)
        custody_deposit(user=user, amount_fen=10_000_000, key="seed")
        investors.append(user)
    now = clock.now()

    def hot_loan(title):
        return Loan.objects.create(
            borrower=borrower, product=product, title=title, amount_fen=100_000_000, left_fen=100_000_000, months=12,
            annual_rate=Decimal("0.1"), grade="A", listed_at=now, deadline=now + dt.timedelta(days=1),
        )

    return hot_loan, investors


def _bid_until_full(loan_id: int, investors, accepted, stop: float, offset: int = 0):
    """Each thread bids ¥100 again and again for one investor until time is up or the
    loan is full."""
    from django.db import connections

    from peerfund.lending.services.bidding import BidRefused, bid_place

    def bidder(index):
        user, n = investors[index], 0
        while time.monotonic() < stop:
            try:
                bid_place(investor=user, loan_id=loan_id, amount_fen=10_000, trade_password="", key=f"b{offset}-{n}", auto=True)
                accepted[index] += 1
            except BidRefused:
                break  # the loan is full
            n += 1
        connections.close_all()

    return bidder


def _service_rate(loan, investors) -> tuple[float, int]:
    """64 threads in this process."""
    accepted = [0] * len(investors)
    elapsed = _race(_bid_until_full(loan.pk, investors, accepted, time.monotonic() + SECONDS), len(investors))
    return sum(accepted) / elapsed, sum(accepted)


def _service_rate_processes(loan, investors, processes: int) -> tuple[float, int]:
    """The same 64 bidders split over one process per core (as the service runs
    under gunicorn), each process batching its own bidders' bids."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # the children open their own
    context = multiprocessing.get_context("fork")
    start = context.Barrier(processes + 1)
    results = context.Queue()
    share = len(investors) // processes

    def child(number):
        mine = investors[number * share:(number + 1) * share]
        accepted = [0] * len(mine)
        start.wait()
        _race(_bid_until_full(loan.pk, mine, accepted, time.monotonic() + SECONDS, offset=number + 1), len(mine))
        results.put(sum(accepted))

    children = [context.Process(target=child, args=(n,)) for n in range(processes)]
    for process in children:
        process.start()
    start.wait()
    started = time.monotonic()
    total = sum(results.get() for _ in children)
    elapsed = time.monotonic() - started
    for process in children:
        process.join()
    return total / elapsed, total


def _ceiling(url: str) -> float:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_hot (id int primary key, left_fen bigint not null)")
        conn.execute("CREATE TABLE bench_rows (id bigserial primary key, amount bigint not null)")
        conn.execute("INSERT INTO bench_hot VALUES (1, 1000000000000)")
    done = [0] * BIDDERS
    connections = [psycopg.connect(url) for _ in range(BIDDERS)]
    stop = time.monotonic() + SECONDS

    def worker(index):
        conn = connections[index]
        while time.monotonic() < stop:
            with conn.transaction():
                updated = conn.execute("UPDATE bench_hot SET left_fen = left_fen - 100 WHERE id = 1 AND left_fen >= 100").rowcount
                if updated == 1:
                    conn.execute("INSERT INTO bench_rows (amount) VALUES (100)")
            done[index] += updated

    try:
        elapsed = _race(worker, BIDDERS)
        return sum(done) / elapsed
    finally:
        for conn in connections:
            conn.close()


def _http_rate(url: str, loan, investors) -> tuple[float, int]:
    """The same race through the REST API under gunicorn (2 workers × 16 threads)."""
    import json
    import socket
    import subprocess
    import urllib.error
    import urllib.request

    from peerfund.accounts.services import api_token_create
    from peerfund.tests_support.people import TRADE_PASSWORD

    tokens = [api_token_create(user=user, name="bench")[1] for user in investors]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": url, "PEERFUND_HUEY_IMMEDIATE": "0", "DJANGO_SETTINGS_MODULE": "config.settings"}
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "16", "--log-level", "warning"],
        env=env,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()  # noqa: S310 (our own local server)
                break
            except OSError:
                time.sleep(0.1)
        accepted = [0] * len(investors)
        stop = time.monotonic() + SECONDS

        def client(index):
            n = 0
            body = json.dumps({"amount_fen": 10_000, "trade_password": TRADE_PASSWORD}).encode()
            while time.monotonic() < stop:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/v1/loans/{loan.pk}/bids", data=body, method="POST",
                    headers={"Authorization": f"Bearer {tokens[index]}", "Content-Type": "application/json", "Idempotency-Key": f"h{n}"},
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own local server)
                        accepted[index] += response.status == 201
                except urllib.error.HTTPError as error:
                    body = error.read()
                    if error.code == 400 and (b"bid.above_left" in body or b"bid.closed" in body):
                        break
                n += 1

        elapsed = _race(client, len(investors))
        return sum(accepted) / elapsed, sum(accepted)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _check(loans) -> tuple[bool, list[str]]:
    """Per loan: bids + left = amount (nothing over-subscribed, nothing lost)."""
    from django.db.models import Sum

    from peerfund.lending.models import Bid

    ok, lines = True, []
    for loan in loans:
        loan.refresh_from_db()
        taken = Bid.objects.filter(loan=loan).aggregate(t=Sum("amount_fen"))["t"] or 0
        over = max(0, taken - loan.amount_fen)
        ok &= over == 0 and taken + loan.left_fen == loan.amount_fen
        lines.append(f"{loan.title}: over-subscribed {over} fen, bids {taken} + left {loan.left_fen} = {taken + loan.left_fen} (loan {loan.amount_fen})")
    return ok, lines


def main() -> int:
    name, url = _database()
    processes = int(os.environ.get("BENCH_PROCESSES", str(os.cpu_count() or 2)))
    try:
        _setup(url)
        hot_loan, investors = _market()
        loans = [hot_loan("one process"), hot_loan(f"{processes} processes"), hot_loan("REST API")]
        ceiling = _ceiling(url)
        # As in production, the bank instructions go to the task queue after each
        # commit; a worker sends them. The bid service itself does not wait for the bank.
        from huey.contrib.djhuey import HUEY

        HUEY.immediate = False
        rate, accepted = _service_rate(loans[0], investors)
        multi_rate, multi_accepted = _service_rate_processes(loans[1], investors, processes)
        # HTTP bids come through the API, which asks for the trade password (the
        # service phases bid as auto-invest, authorised at the bank).
        http_rate, http_accepted = _http_rate(url, loans[2], investors)
        from peerfund.ledger.invariants import ledger_check

        ok, lines = _check(loans)
        violations = ledger_check(include_external=False)
        print(f"hot loan on PostgreSQL, {BIDDERS} concurrent bidders, ¥100 bids, {SECONDS:.0f} s each, {os.cpu_count()} cores")
        print(f"  database hot-row ceiling  {ceiling:8.0f} tx/s (guarded UPDATE + INSERT, psycopg, {BIDDERS} threads)")
        print(f"  bid service, 1 process    {rate:8.0f} accepted bids/s ({accepted} bids) = {rate / ceiling:.2f} x ceiling")
        print(f"  bid service, {processes} processes  {multi_rate:8.0f} accepted bids/s ({multi_accepted} bids) = {multi_rate / ceiling:.2f} x ceiling")
        print(f"  REST API under gunicorn   {http_rate:8.0f} accepted bids/s ({http_accepted} bids; 2 workers x 16 threads) = {http_rate / ceiling:.2f} x ceiling")
        for line in lines:
            print(f"  {line}")
        print(f"  ledger check              {'clean' if not violations else violations[:3]}")
        return 0 if ok and not violations else 1
    finally:
        from django.db import connections

        connections.close_all()
        _drop(name)


if __name__ == "__main__":
    sys.exit(main())
