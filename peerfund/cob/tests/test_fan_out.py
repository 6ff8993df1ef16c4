"""The daily close fanned out to two huey consumers on Redis: the chunks of its steps
run in both processes, and the result is the same as a close in one process."""
import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage

from peerfund.cob.models import ChunkDone
from peerfund.cob.services import close_run
from peerfund.core import clock
from peerfund.custody.models import Instruction
from peerfund.custody.services import platform_accounts_open
from peerfund.lending.models import Loan, LoanProduct, Repayment, RepaymentInstalment
from peerfund.lending.schedules import Method
from peerfund.lending.services.bidding import bid_place
from peerfund.lending.services.disbursement import disbursement_decide, disbursement_request
from peerfund.tests_support.money import committing, pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, verify_directly

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
LOANS = 6


def _loans_due(make_user, staff_with) -> list[Loan]:
    platform_accounts_open()
    product = LoanProduct.objects.create(
        name="fan-out", min_amount_fen=10_000, max_amount_fen=10**9, terms_months=[3], method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.1"), rate_max=Decimal("0.1"), service_fee_rate=Decimal("0"), max_per_investor_fen=10**9, required_risk_level="C1",
    )
    investor = verify_directly(make_user(username="fan-investor"), 0)
    pay_deposit(investor, 10_000_000, committing, key="seed")
    maker, checker = staff_with("risk", "maker"), staff_with("risk", "checker")
    loans = []
    for n in range(LOANS):
        borrower = verify_directly(make_user(username=f"fan-borrower{n}"), n + 1)
        now = clock.now()
        loan = Loan.objects.create(borrower=borrower, product=product, title=f"loan {n}", amount_fen=100_000, left_fen=100_000, months=3,
                                   annual_rate=Decimal("0.1"), grade="A", listed_at=now, deadline=now + dt.timedelta(days=1))
        bid_place(investor=investor, loan_id=loan.pk, amount_fen=100_000, trade_password=TRADE_PASSWORD, key=f"b{n}")
        loan.refresh_from_db()
        disbursement_decide(staff=checker, request=disbursement_request(staff=maker, loan=loan), approve=True)
        loans.append(loan)
    return loans


def _consumer(env: dict) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and command)
        [sys.executable, "manage.py", "run_huey", "--no-periodic", "--workers", "1"],
        env=env, cwd=settings.BASE_DIR, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    deadline = time.monotonic() + 60
    for line in process.stderr:
        if "consumer started" in line.lower() or time.monotonic() > deadline:
            break
    return process


def test_two_consumers_share_the_chunks_of_a_close(make_user, staff_with, settings):
    settings.PEERFUND_COB_CHUNK = 1
    loans = _loans_due(make_user, staff_with)
    due = RepaymentInstalment.objects.get(loan=loans[0], number=1).due_date
    clock.travel_to(due + dt.timedelta(days=1))  # a date is closed once it has ended
    name = f"peerfund-test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ, "REDIS_URL": REDIS, "PEERFUND_HUEY_NAME": name, "PEERFUND_HUEY_IMMEDIATE": "0", "PEERFUND_HUEY_WORKERS": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    storage, immediate = HUEY.storage, HUEY._immediate
    HUEY._immediate, HUEY.storage = False, RedisStorage(name, url=REDIS)
    consumers = [_consumer(env), _consumer(env)]
    try:
        close_run(on=due, fan_out=True)
        deadline = time.monotonic() + 30  # the bank instructions the chunks queued
        while Instruction.objects.filter(status__in=["pending", "processing"]).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        for process in consumers:
            process.terminate()
            process.wait(timeout=10)
        HUEY.storage.flush_all()
        HUEY.storage, HUEY._immediate = storage, immediate
    chunks = ChunkDone.objects.filter(step_run__step="lending.auto_debit", step_run__business_date=due)
    assert chunks.count() == LOANS
    assert len(set(chunks.values_list("worker", flat=True))) == 2  # both consumers took chunks
    assert Repayment.objects.filter(source="auto").count() == LOANS
    assert not Instruction.objects.exclude(status="succeeded").exists()
