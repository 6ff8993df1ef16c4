"""No stuck Idempotency-Keys: a call that fails releases its key, a call a crash left
"in progress" is taken over by a retry once stale, and old records are purged by the
close. A retry runs the service again and gets the first run's outcome (the bid or
pledge already placed with that key), never a second move of money."""
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone

from peerfund.cob import registry
from peerfund.core import clock, idempotency
from peerfund.core.models import IdempotencyRecord
from peerfund.crowdfunding import api as crowdfunding_api
from peerfund.crowdfunding.models import Pledge
from peerfund.funds.models import DepositOrder
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.selectors import user_balances
from peerfund.lending import api as lending_api
from peerfund.lending.models import Bid, Loan, LoanProduct
from peerfund.lending.schedules import Method
from peerfund.tests_support.crowdfunding import published_project
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, onboard

DEPOSITS = "/api/v1/funds/deposits"


def _post(client, url, body, key):
    return client.post(url, data=json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def _crashing_once(monkeypatch, schema):
    """The response of the next call is lost after the service committed (the worker
    dies while rendering it): what a client sees as a 500 or a dropped connection."""
    render = schema.of
    calls = []

    def of(*args):
        calls.append(args)
        if len(calls) == 1:
            raise ConnectionResetError("worker lost while answering")
        return render(*args)

    monkeypatch.setattr(schema, "of", staticmethod(of))


@pytest.fixture
def loan(make_user):
    borrower = make_user(username="borrower")
    product = LoanProduct.objects.create(
        name="工薪贷", min_amount_fen=100_000, max_amount_fen=20_000_000, terms_months=[12], method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.08"), rate_max=Decimal("0.12"), service_fee_rate=Decimal("0.02"), min_bid_fen=10_000, bid_step_fen=10_000,
        max_per_investor_fen=500_000, required_risk_level="C2",
    )
    now = clock.now()
    return Loan.objects.create(
        borrower=borrower, product=product, title="周转借款", amount_fen=1_000_000, left_fen=1_000_000, months=12,
        annual_rate=Decimal("0.10"), grade="B", listed_at=now, deadline=now + dt.timedelta(days=7),
    )


def test_a_bid_whose_answer_was_lost_is_answered_on_retry_with_the_same_bid(investor, loan, api_client_for, monkeypatch,
                                                                             django_capture_on_commit_callbacks):
    pay_deposit(investor, 300_000, django_capture_on_commit_callbacks)
    client = api_client_for(investor)
    client.raise_request_exception = False
    _crashing_once(monkeypatch, lending_api.BidOut)
    url, body = f"/api/v1/loans/{loan.pk}/bids", {"amount_fen": 50_000, "trade_password": TRADE_PASSWORD}
    with django_capture_on_commit_callbacks(execute=True):
        crashed = _post(client, url, body, "bid-1")
        retry = _post(client, url, body, "bid-1")
    assert crashed.status_code == 500
    assert retry.status_code == 201, retry.content  # not 409 "in progress", for good
    bid = Bid.objects.get(investor=investor)
    assert retry.json() == {"id": bid.pk, "loan_id": loan.pk, "amount_fen": 50_000, "status": bid.status, "auto": False}
    assert user_balances(investor) == {"user_available": 250_000, "user_frozen": 50_000}  # frozen once
    loan.refresh_from_db()
    assert loan.left_fen == 950_000
    again = _post(client, url, body, "bid-1")
    assert again["Idempotent-Replayed"] == "true" and again.json() == retry.json()
    assert ledger_check() == []


def test_a_pledge_whose_answer_was_lost_is_answered_on_retry_with_the_same_pledge(platform, make_user, staff_with, api_client_for, monkeypatch,
                                                                                 django_capture_on_commit_callbacks):
    owner = make_user(username="maker")
    onboard(owner, identity=2)
    project = published_project(owner, staff_with("operations", "cf-reviewer"))
    backer = make_user(username="backer")
    onboard(backer, identity=0)
    pay_deposit(backer, 200_000, django_capture_on_commit_callbacks)
    client = api_client_for(backer)
    client.raise_request_exception = False
    _crashing_once(monkeypatch, crowdfunding_api.PledgeOut)
    url, body = f"/api/v1/crowdfunding/projects/{project.pk}/pledges", {"tier_id": None, "amount_fen": 100_00, "trade_password": TRADE_PASSWORD}
    with django_capture_on_commit_callbacks(execute=True):
        crashed = _post(client, url, body, "pledge-1")
        retry = _post(client, url, body, "pledge-1")
    assert crashed.status_code == 500
    assert retry.status_code == 201, retry.content
    pledge = Pledge.objects.get(backer=backer)
    assert retry.json()["id"] == pledge.pk and retry.json()["amount_fen"] == 100_00
    assert user_balances(backer) == {"user_available": 190_00 * 10, "user_frozen": 100_00}
    project.refresh_from_db()
    assert (project.raised_fen, project.backers) == (100_00, 1)
    assert ledger_check() == []


def _failing_once(monkeypatch, error: BaseException):
    from peerfund.funds import api as funds_api

    create, calls = funds_api.deposit_order_create, []

    def failing_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise error
        return create(**kwargs)

    monkeypatch.setattr(funds_api, "deposit_order_create", failing_once)


def test_a_call_that_failed_with_a_server_error_runs_again_on_retry(investor, api_client_for, monkeypatch):
    _failing_once(monkeypatch, TimeoutError("database did not answer"))
    client = api_client_for(investor)
    client.raise_request_exception = False
    assert _post(client, DEPOSITS, {"amount_fen": 50_000}, "dep-1").status_code == 500
    assert not IdempotencyRecord.objects.filter(key="dep-1").exists()
    retry = _post(client, DEPOSITS, {"amount_fen": 50_000}, "dep-1")
    assert retry.status_code == 201 and retry.json()["amount_fen"] == 50_000
    assert DepositOrder.objects.filter(user=investor).count() == 1


def test_a_call_aborted_mid_way_runs_again_on_retry(investor, api_client_for, monkeypatch):
    # gunicorn aborts a worker past its timeout with SystemExit raised in the request:
    # no exception handler answers it, the key must still be released on the way out.
    _failing_once(monkeypatch, SystemExit(1))
    client = api_client_for(investor)
    with pytest.raises(SystemExit):
        _post(client, DEPOSITS, {"amount_fen": 50_000}, "dep-2")
    retry = _post(client, DEPOSITS, {"amount_fen": 50_000}, "dep-2")
    assert retry.status_code == 201 and retry.json()["amount_fen"] == 50_000
    assert DepositOrder.objects.filter(user=investor).count() == 1


def _left_in_progress(user, key: str, body: dict, age: dt.timedelta) -> IdempotencyRecord:
    """The record a worker killed mid-call leaves behind, started `age` ago."""
    request = RequestFactory().post(DEPOSITS, data=json.dumps(body), content_type="application/json")
    record = IdempotencyRecord.objects.create(user=user, key=key, method="POST", path=DEPOSITS, request_hash=idempotency._request_hash(request))
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - age)
    record.refresh_from_db()
    return record


def test_a_call_left_in_progress_by_a_crash_is_taken_over_once_stale(investor, api_client_for, settings):
    settings.PEERFUND_IDEMPOTENCY_STALE_SECONDS = 60
    client = api_client_for(investor)
    body = {"amount_fen": 70_000}
    _left_in_progress(investor, "crashed", body, dt.timedelta(seconds=61))
    retry = _post(client, DEPOSITS, body, "crashed")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    assert retry.json()["amount_fen"] == 70_000
    stored = IdempotencyRecord.objects.get(user=investor, key="crashed")
    assert stored.status_code == 201 and stored.response_body == retry.json()
    assert _post(client, DEPOSITS, body, "crashed")["Idempotent-Replayed"] == "true"
    assert DepositOrder.objects.filter(user=investor).count() == 1


def test_a_call_still_running_is_not_taken_over(investor, api_client_for, settings):
    settings.PEERFUND_IDEMPOTENCY_STALE_SECONDS = 60
    body = {"amount_fen": 70_000}
    _left_in_progress(investor, "running", body, dt.timedelta(seconds=20))
    busy = _post(api_client_for(investor), DEPOSITS, body, "running")
    assert busy.status_code == 409
    assert busy.json()["code"] == "idempotency.in_progress" and busy.json()["message"]
    assert 39 <= int(busy["Retry-After"]) <= 41 and busy.json()["extra"]["retry_after_seconds"] == int(busy["Retry-After"])
    assert not DepositOrder.objects.exists()
    # A stale record of another request (another body) is still refused, never run.
    _left_in_progress(investor, "other", {"amount_fen": 1}, dt.timedelta(hours=1))
    assert _post(api_client_for(investor), DEPOSITS, body, "other").json()["code"] == "idempotency.key_reused"
    assert not DepositOrder.objects.exists()


def test_of_two_retries_of_a_stale_call_only_one_takes_it_over(investor):
    stale = _left_in_progress(investor, "k", {"amount_fen": 1}, dt.timedelta(minutes=5))
    first, second = IdempotencyRecord.objects.get(pk=stale.pk), IdempotencyRecord.objects.get(pk=stale.pk)  # both read it stale
    assert idempotency.record_take_over(first) is True
    assert idempotency.record_take_over(second) is False
    # The call that was taken over (it ran past the stale period) neither releases
    # nor overwrites the record its successor holds.
    idempotency._release(stale)
    idempotency._mine(stale).update(status_code=500)
    kept = IdempotencyRecord.objects.get(pk=stale.pk)
    assert kept.status_code is None and kept.created_at == first.created_at


def test_the_close_purges_records_older_than_the_keep_period(investor, other_investor, settings):
    settings.PEERFUND_IDEMPOTENCY_KEEP_DAYS = 30
    for user, key, age_days, status in ((investor, "old", 31, 201), (other_investor, "old-stuck", 45, None), (investor, "recent", 29, 201)):
        record = IdempotencyRecord.objects.create(user=user, key=key, method="POST", path=DEPOSITS, request_hash="0" * 64, status_code=status)
        IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - dt.timedelta(days=age_days))
    purge = registry.step("core.idempotency_purge")
    assert purge.run(on=clock.business_date()) == 2
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
    assert purge.run(on=clock.business_date()) == 0  # idempotent per day
