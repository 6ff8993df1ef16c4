"""A server killed mid-burst (SIGKILL, the whole process group) leaves some calls
"in progress"; after a restart every client's retry with its original Idempotency-Key
gets one final answer, no bid or pledge exists twice, and the books (ledger and the
custodian's) agree once the outbox has drained.

Runs gunicorn against this test's database (committed: transaction=True), with tasks
inline (PEERFUND_HUEY_IMMEDIATE=1) and a stale period of 1 s so the retries of the
calls the crash cut off take them over quickly.
"""
import datetime as dt
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count, Sum

from peerfund.accounts.services import api_token_create
from peerfund.core import clock
from peerfund.core.models import IdempotencyRecord
from peerfund.crowdfunding.models import Pledge
from peerfund.custody.models import Instruction
from peerfund.custody.outbox import outbox_retry
from peerfund.custody.reconciliation import compare
from peerfund.custody.services import platform_accounts_open
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.selectors import user_balances
from peerfund.lending.models import Bid, Loan, LoanProduct
from peerfund.lending.schedules import Method
from peerfund.tests_support.crowdfunding import published_project
from peerfund.tests_support.money import committing, pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, onboard, verify_directly

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

INVESTORS = 6
BIDS_EACH = 4
PLEDGES_EACH = 2
DEPOSIT_FEN = 1_000_000
DEADLINE_SECONDS = 60
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def _book(make_user, staff_with):
    """An open loan, an open project and funded investors, each with an API token."""
    platform_accounts_open()
    product = LoanProduct.objects.create(
        name="crash", min_amount_fen=10_000, max_amount_fen=10**10, terms_months=[12], method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.1"), rate_max=Decimal("0.1"), service_fee_rate=Decimal("0.01"), min_bid_fen=10_000, bid_step_fen=10_000,
        max_per_investor_fen=10**10, required_risk_level="C1",
    )
    borrower = verify_directly(make_user(username="crash-borrower"), 100)
    now = clock.now()
    loan = Loan.objects.create(
        borrower=borrower, product=product, title="crash", amount_fen=50_000_000, left_fen=50_000_000, months=12,
        annual_rate=Decimal("0.1"), grade="A", listed_at=now, deadline=now + dt.timedelta(days=1),
    )
    owner = make_user(username="crash-maker")
    onboard(owner, identity=2)
    project = published_project(owner, staff_with("operations"))
    investors = []
    for n in range(INVESTORS):
        user = verify_directly(make_user(username=f"crash-investor{n}"), n)
        pay_deposit(user, DEPOSIT_FEN, committing, key="seed")
        user.token = api_token_create(user=user, name="crash")[1]
        investors.append(user)
    return loan, project, investors


def _requests(loan, project, investors) -> list[dict]:
    calls = []
    for n, user in enumerate(investors):
        for j in range(BIDS_EACH):
            calls.append({"kind": "bid", "user": user, "key": f"bid-{n}-{j}", "url": f"/api/v1/loans/{loan.pk}/bids",
                          "body": {"amount_fen": 10_000 * (1 + j), "trade_password": TRADE_PASSWORD}})
        for j in range(PLEDGES_EACH):
            calls.append({"kind": "pledge", "user": user, "key": f"pledge-{n}-{j}", "url": f"/api/v1/crowdfunding/projects/{project.pk}/pledges",
                          "body": {"tier_id": None, "amount_fen": 100_00 + 1_00 * j, "trade_password": TRADE_PASSWORD}})
    calls.sort(key=lambda call: call["key"][-1] + call["key"])  # interleave users and kinds
    return calls


class Server:
    def __init__(self, env: dict, port: int, log):
        self.env, self.port, self.log, self.process = env, port, log, None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our own gunicorn and arguments)
            [GUNICORN, "config.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--threads", "4", "--preload", "--log-level", "warning"],
            env=self.env, cwd=settings.BASE_DIR, stdout=self.log, stderr=self.log, start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1).read()  # noqa: S310 (our own local server)
                return
            except OSError:
                assert self.process.poll() is None, "gunicorn exited on start-up"
                time.sleep(0.2)
        raise AssertionError("gunicorn did not answer /healthz in 30 s")

    def kill(self) -> None:
        """SIGKILL to the whole group (master and workers), as a power cut would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def _send(port: int, call: dict) -> tuple[int, dict, dict] | None:
    """(status, body, headers), or None when no answer came back (the server died)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{call['url']}", data=json.dumps(call["body"]).encode(), method="POST",
        headers={"Authorization": f"Bearer {call['user'].token}", "Content-Type": "application/json", "Idempotency-Key": call["key"]},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (our own local server)
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), dict(error.headers)
    except OSError:  # refused, reset, disconnected, timed out
        return None


def _final(answer) -> bool:
    return answer is not None and answer[0] < 500 and not (answer[0] == 409 and answer[1].get("code") == "idempotency.in_progress")


def _burst(server: Server, calls: list[dict]) -> tuple[dict, int]:
    """Fire the calls from 8 threads; kill the server once a quarter are answered
    while some are in progress. The first answers by key, and how many calls the
    crash left in progress."""
    work, first, lock = queue.Queue(), {}, threading.Lock()
    for call in calls:
        work.put(call)

    def client():
        while True:
            try:
                call = work.get_nowait()
            except queue.Empty:
                return
            answer = _send(server.port, call)
            with lock:
                first[call["key"]] = answer

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with lock:
            answered = sum(answer is not None for answer in first.values())
        if answered >= len(calls) // 4 and IdempotencyRecord.objects.filter(status_code__isnull=True).exists():
            break
        time.sleep(0.005)
    server.kill()
    for thread in threads:
        thread.join()
    return first, IdempotencyRecord.objects.filter(status_code__isnull=True).count()


def _retry_until_final(port: int, calls: list[dict]) -> dict:
    final, deadline = {}, time.monotonic() + DEADLINE_SECONDS

    def retry(call):
        while time.monotonic() < deadline:
            answer = _send(port, call)
            if _final(answer):
                final[call["key"]] = answer
                return
            time.sleep(float((answer[2].get("Retry-After") if answer else None) or 0.5))

    threads = [threading.Thread(target=retry, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return final


def _drain_outbox() -> None:
    for _round in range(20):
        open_ = Instruction.objects.filter(status__in=[Instruction.Status.PENDING, Instruction.Status.PROCESSING])
        if not open_.exists():
            return
        open_.update(next_attempt_at=clock.now())  # time passes: every retry is due
        outbox_retry()
    raise AssertionError(f"the outbox did not drain: {list(open_.values_list('request_no', 'status', 'last_error'))}")


def test_every_call_cut_off_by_a_crash_gets_one_final_answer_and_moves_money_once(make_user, staff_with):
    started = time.monotonic()
    loan, project, investors = _book(make_user, staff_with)
    calls = _requests(loan, project, investors)
    booked = time.monotonic()
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "PEERFUND_ENV": "test", "PEERFUND_HUEY_IMMEDIATE": "1",
        "PEERFUND_CUSTODIAN": "inprocess", "PEERFUND_IDEMPOTENCY_STALE_SECONDS": "1",
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryFile(mode="w+") as log:
        server = Server(env, port, log)
        server.start()
        serving = time.monotonic()
        try:
            first, left_in_progress = _burst(server, calls)
            crashed = time.monotonic()
            unanswered = [key for key, answer in first.items() if answer is None] + [c["key"] for c in calls if c["key"] not in first]
            assert unanswered, "the crash came after the burst"
            assert left_in_progress >= 1, "the crash left no call in progress"
            server.start()  # same port, as after a restart
            restarted = time.monotonic()
            final = _retry_until_final(port, calls)
            answered = time.monotonic()
        finally:
            if server.process.poll() is None:
                server.kill()
            log.seek(0)
            server_log = log.read()
    print(f"{len(calls)} calls, {len(unanswered)} unanswered by the crash, {left_in_progress} left in progress; "
          f"book {booked - started:.1f} s, start {serving - booked:.1f} s, burst {crashed - serving:.1f} s, restart {restarted - crashed:.1f} s, "
          f"retries {answered - restarted:.1f} s")

    # Every call got one final answer, and it is the answer it had before the crash.
    missing = sorted({c["key"] for c in calls} - set(final))
    assert not missing, f"no final answer in {DEADLINE_SECONDS} s for {missing}; server log: {server_log[-3000:]}"
    assert {key: answer[0] for key, answer in final.items()} == {c["key"]: 201 for c in calls}, final
    for key, answer in first.items():
        if _final(answer):
            assert final[key][1] == answer[1], key
    # No bid or pledge twice, each the one its answer names.
    by_key = {(c["user"].pk, c["key"]): c for c in calls}
    bids = list(Bid.objects.filter(loan=loan))
    pledges = list(Pledge.objects.filter(project=project))
    assert not Bid.objects.values("investor", "key").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not Pledge.objects.values("backer", "key").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert sorted((b.investor_id, b.key) for b in bids) == sorted(k for k, c in by_key.items() if c["kind"] == "bid")
    assert sorted((p.backer_id, p.key) for p in pledges) == sorted(k for k, c in by_key.items() if c["kind"] == "pledge")
    for row in bids + pledges:
        call = by_key[(getattr(row, "investor_id", None) or row.backer_id, row.key)]
        assert final[call["key"]][1]["id"] == row.pk and row.amount_fen == call["body"]["amount_fen"]
    loan.refresh_from_db()
    project.refresh_from_db()
    assert loan.left_fen == loan.amount_fen - sum(b.amount_fen for b in bids)
    assert project.raised_fen == sum(p.amount_fen for p in pledges)
    for user in investors:
        frozen = sum(c["body"]["amount_fen"] for c in calls if c["user"] is user)
        assert user_balances(user) == {"user_available": DEPOSIT_FEN - frozen, "user_frozen": frozen}
    assert not IdempotencyRecord.objects.filter(status_code__isnull=True).exists()
    # The books: our ledger, and the custodian's once every instruction has landed.
    _drain_outbox()
    assert ledger_check(include_external=True) == []
    assert compare(business_date=clock.business_date()).differences == []
    assert Bid.objects.filter(loan=loan).aggregate(t=Sum("amount_fen"))["t"] == sum(c["body"]["amount_fen"] for c in calls if c["kind"] == "bid")
