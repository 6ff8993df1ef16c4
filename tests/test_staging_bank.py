"""Staging's shape (issue 16, item 6): the sandbox bank runs as its own server process
with its own database (config.settings_sandbox_bank), and the platform speaks to it
only over HTTP (PEERFUND_CUSTODIAN=http) with signed requests, replies and callbacks —
as production speaks to the real custodian. The platform opens an account and a
deposit there; the bank confirms the deposit later by a signed callback that reaches
the platform's callback endpoint over HTTP."""
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from peerfund.custody.models import CallbackLog, CustodyAccount, Instruction
from peerfund.funds.models import DepositOrder
from peerfund.funds.services.deposits import deposit_order_create, deposit_order_paid
from peerfund.ledger.selectors import user_balances
from peerfund.tests_support.people import onboard

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def bank_server(tmp_path, live_server):
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PEERFUND_", "DJANGO_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings_sandbox_bank",
        "PEERFUND_ENV": "demo",
        "PEERFUND_VAR_DIR": str(tmp_path),
        "PEERFUND_BANK_DATABASE_URL": f"sqlite:///{tmp_path / 'bank.sqlite3'}",
        "PEERFUND_CUSTODY_SECRET": settings.PEERFUND_CUSTODY_SECRET,
        "PEERFUND_CALLBACK_URL": f"{live_server.url}/custody/callback/",
    })

    def manage(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 (our own manage.py)
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("migrate", "--verbosity", "0")  # the bank's own database (its tables are peerfund.sandbox's)
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/bank/api/"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url + "query_account", data=b"{}", timeout=2)  # noqa: S310
        except urllib.error.HTTPError:
            break  # it answers (403: unsigned)
        except OSError:
            assert server.poll() is None, server.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the bank server did not start"
            time.sleep(0.5)
    try:
        yield url, manage
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_platform_opens_an_account_and_deposits_through_the_bank_server(bank_server, settings, make_user):
    url, bank_manage = bank_server
    settings.PEERFUND_CUSTODIAN = "http"
    settings.PEERFUND_CUSTODIAN_URL = url
    # The bank confirms money movements later, by callback.
    bank_manage("shell", "-c", "from peerfund.sandbox.bank import faults; f = faults(); f.async_callbacks = True; f.save()")

    from peerfund.custody.services import custody_account_open, platform_accounts_open

    platform_accounts_open()
    user = make_user(username="staging")
    onboard(user, identity=1)  # verification opens the custody account, over HTTP
    account = custody_account_open(user=user)
    assert account.account_no.startswith("6217")
    assert CustodyAccount.objects.filter(owner=user, account_no=account.account_no).exists()
    # The bank process holds the account in its own books, not ours.
    assert not _bank_table_in_platform_db()

    order = deposit_order_create(user=user, amount_fen=1_234_56, key="staging-1")
    deposit_order_paid(order_no=order.order_no)  # on commit the outbox sends it over HTTP
    order.refresh_from_db()
    assert order.status == DepositOrder.Status.PROCESSING
    assert Instruction.objects.get(pk=order.instruction_id).status == Instruction.Status.PROCESSING

    delivered = bank_manage("sandbox_deliver_callbacks")
    assert "Delivered 1 callback(s)." in delivered
    order.refresh_from_db()
    assert order.status == DepositOrder.Status.SUCCEEDED
    assert CallbackLog.objects.filter(request_no=order.instruction.request_no, signature_valid=True).exists()
    assert user_balances(user)["user_available"] == 1_234_56
    # The bank's own books agree.
    balances = bank_manage("shell", "-c", f"from peerfund.sandbox.bank import SandboxBank; print(SandboxBank().query_account(account_no='{account.account_no}'))")
    assert "'available_fen': 123456" in balances


def _bank_table_in_platform_db() -> bool:
    from peerfund.sandbox.models import BankAccount

    return BankAccount.objects.exists()
