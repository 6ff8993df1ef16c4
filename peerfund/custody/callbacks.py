"""Receiving the bank's signed callbacks."""
import json

from peerfund.custody import signing
from peerfund.custody.models import CallbackLog
from peerfund.custody.outbox import instruction_apply_result


class BadSignature(Exception):
    pass


def callback_receive(*, body: bytes, signature: str) -> str:
    """Verify, log and apply one callback. Returns the instruction's resulting status.
    Raises BadSignature for an unsigned or forged callback (logged, never applied)."""
    text = body.decode("utf-8", errors="replace")
    if not signing.verify(body, signature):
        CallbackLog.objects.create(body=text[:4000], signature_valid=False, outcome="rejected")
        raise BadSignature("callback signature does not match")
    data = json.loads(body)
    outcome = instruction_apply_result(request_no=data["request_no"], status=data["status"], reason=data.get("reason", ""))
    CallbackLog.objects.create(request_no=data["request_no"], body=text[:4000], signature_valid=True, outcome=outcome)
    return outcome
