"""The callback endpoint is open to the internet: only the bank's signed callbacks are
stored or applied. Anything else is refused before a row is written, so nobody can
fill the callback log (or the database) from outside."""
import json

from django.db import transaction

from peerfund.custody import signing
from peerfund.custody.callbacks import MAX_CALLBACK_BYTES, MAX_STORED_CHARS
from peerfund.custody.models import CallbackLog, Instruction
from peerfund.custody.services import custody_deposit
from peerfund.ledger.selectors import user_balances


def _post(client, body: bytes, **headers):
    return client.post("/custody/callback/", data=body, content_type="application/json", **headers)


def _processing_deposit(owner, bank_faults, capture, key):
    bank_faults(async_callbacks=True)
    with capture(execute=True), transaction.atomic():
        return custody_deposit(user=owner, amount_fen=900, key=key)


def test_an_unsigned_callback_is_refused_and_nothing_is_stored(client, db):
    padding = json.dumps({"request_no": "x" * 80, "status": "succeeded", "reason": "y" * 4000}).encode()
    for _ in range(3):
        assert _post(client, padding).status_code == 403
    assert CallbackLog.objects.count() == 0


def test_a_forged_callback_is_refused_before_anything_is_stored_or_applied(owner, bank_faults, client, django_capture_on_commit_callbacks):
    instruction = _processing_deposit(owner, bank_faults, django_capture_on_commit_callbacks, "forged")
    body = json.dumps({"request_no": instruction.request_no, "status": "succeeded"}).encode()
    response = _post(client, body, HTTP_X_CUSTODY_SIGNATURE=signing.sign(body + b" "))
    assert response.status_code == 403 and response.json() == {"error": "bad signature"}
    assert CallbackLog.objects.count() == 0
    instruction.refresh_from_db()
    assert instruction.status == Instruction.Status.PROCESSING
    assert user_balances(owner)["user_available"] == 0


def test_an_oversized_callback_is_refused_even_when_signed(client, db):
    body = json.dumps({"request_no": "r", "status": "succeeded", "reason": "z" * MAX_CALLBACK_BYTES}).encode()
    response = _post(client, body, HTTP_X_CUSTODY_SIGNATURE=signing.sign(body))
    assert response.status_code == 413
    assert CallbackLog.objects.count() == 0


def test_a_signed_body_that_is_not_a_callback_is_a_400_not_a_crash(client, db):
    for payload in ([1, 2], {"request_no": 7, "status": "succeeded"}, {"request_no": "r"}, "text"):
        body = json.dumps(payload).encode()
        assert _post(client, body, HTTP_X_CUSTODY_SIGNATURE=signing.sign(body)).status_code == 400, payload
    assert _post(client, b"{not json", HTTP_X_CUSTODY_SIGNATURE=signing.sign(b"{not json")).status_code == 400
    assert CallbackLog.objects.count() == 0


def test_a_signed_callback_is_applied_and_logged_within_bounds(owner, bank_faults, client, django_capture_on_commit_callbacks):
    instruction = _processing_deposit(owner, bank_faults, django_capture_on_commit_callbacks, "signed")
    body = json.dumps({"request_no": instruction.request_no, "status": "succeeded", "reason": "ok " * 3000}).encode()
    response = _post(client, body, HTTP_X_CUSTODY_SIGNATURE=signing.sign(body))
    assert response.status_code == 200 and response.json() == {"status": "succeeded"}
    log = CallbackLog.objects.get()
    assert log.signature_valid and log.request_no == instruction.request_no
    assert len(log.body) == MAX_STORED_CHARS
    assert user_balances(owner)["user_available"] == 900
