"""The bank's signed callbacks, the sandbox bank's HTTP face, and the whole custody
flow spoken over HTTP exactly as to a real bank."""
import json

import pytest
from django.db import transaction

from peerfund.core import clock
from peerfund.custody import signing
from peerfund.custody.http_client import HttpCustodian
from peerfund.custody.models import CallbackLog, Instruction
from peerfund.custody.reconciliation import reconcile
from peerfund.custody.services import custody_account_open, custody_deposit, platform_accounts_open
from peerfund.ledger.selectors import user_balances
from peerfund.sandbox.bank import deliver_callbacks


def _post_callback(client, payload, signature=None):
    body = json.dumps(payload).encode()
    return client.post(
        "/custody/callback/", data=body, content_type="application/json",
        HTTP_X_CUSTODY_SIGNATURE=signature if signature is not None else signing.sign(body),
    )


def test_a_forged_callback_is_refused_and_ignored(owner, bank_faults, client, django_capture_on_commit_callbacks):
    bank_faults(async_callbacks=True)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        instruction = custody_deposit(user=owner, amount_fen=900, key="cb")
    response = _post_callback(client, {"request_no": instruction.request_no, "status": "succeeded"}, signature="0" * 64)
    assert response.status_code == 403
    assert not CallbackLog.objects.exists()
    instruction.refresh_from_db()
    assert instruction.status == Instruction.Status.PROCESSING
    assert user_balances(owner)["user_available"] == 0


def test_a_signed_callback_is_applied(owner, bank_faults, client, django_capture_on_commit_callbacks):
    bank_faults(async_callbacks=True)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        instruction = custody_deposit(user=owner, amount_fen=900, key="cb2")
    response = _post_callback(client, {"request_no": instruction.request_no, "status": "succeeded", "reason": ""})
    assert response.status_code == 200 and response.json() == {"status": "succeeded"}
    assert user_balances(owner)["user_available"] == 900
    assert _post_callback(client, {"no": "request"}).status_code == 400


def test_sandbox_http_endpoints_check_signatures(client, db):
    body = json.dumps({"account_no": "x"}).encode()
    assert client.post("/sandbox/bank/api/query_account", data=body, content_type="application/json").status_code == 403
    signed = {"HTTP_X_CUSTODY_SIGNATURE": signing.sign(body)}
    assert client.post("/sandbox/bank/api/nonsense", data=body, content_type="application/json", **signed).status_code == 404
    assert client.post("/sandbox/bank/api/deposit", data=body, content_type="application/json", **signed).status_code == 400


def test_http_custodian_reports_an_unreachable_bank_as_unavailable():
    from peerfund.custody.gateway import CustodianUnavailable

    with pytest.raises(CustodianUnavailable):
        HttpCustodian(base_url="http://127.0.0.1:9/", timeout=1).query_account(account_no="1")


@pytest.mark.django_db(transaction=True)
def test_the_whole_flow_over_http_with_callbacks(live_server, settings, make_user, bank_faults):
    settings.PEERFUND_CUSTODIAN = "http"
    settings.PEERFUND_CUSTODIAN_URL = f"{live_server.url}/sandbox/bank/api/"
    settings.PEERFUND_CALLBACK_URL = f"{live_server.url}/custody/callback/"
    platform_accounts_open()
    user = make_user(username="httpuser")
    custody_account_open(user=user)
    bank_faults(async_callbacks=True, duplicate_callbacks=True)
    with transaction.atomic():
        instruction = custody_deposit(user=user, amount_fen=88_800, key="http-1")
    instruction.refresh_from_db()
    assert instruction.status == Instruction.Status.PROCESSING
    assert deliver_callbacks() == 2  # POSTed to our callback endpoint, signed
    instruction.refresh_from_db()
    assert instruction.status == Instruction.Status.SUCCEEDED
    assert user_balances(user)["user_available"] == 88_800
    assert reconcile(business_date=clock.business_date()).is_clean
