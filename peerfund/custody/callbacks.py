"""Receiving the bank's signed callbacks.

Only a callback whose HMAC signature matches is stored or applied: an unsigned or
forged one is refused before anything is written (a warning in the log says where it
came from), so nobody can fill the callback log from outside. What is stored of a
signed callback is bounded (`MAX_STORED_CHARS`), and a body larger than
`MAX_CALLBACK_BYTES` is refused before its signature is even computed.
"""
import json
import logging

from peerfund.custody import signing
from peerfund.custody.models import CallbackLog
from peerfund.custody.outbox import instruction_apply_result

logger = logging.getLogger("peerfund.custody")

# A real callback is a few hundred bytes of JSON.
MAX_CALLBACK_BYTES = 16 * 1024
MAX_STORED_CHARS = 4000
_REQUEST_NO_CHARS = CallbackLog._meta.get_field("request_no").max_length


class BadSignature(Exception):
    pass


class MalformedCallback(ValueError):
    pass


class CallbackTooLarge(MalformedCallback):
    pass


def callback_receive(*, body: bytes, signature: str) -> str:
    """Verify, log and apply one callback. Returns the instruction's resulting status.
    Raises BadSignature for an unsigned or forged callback (never stored, never
    applied) and MalformedCallback for a signed one that is not a callback."""
    if len(body) > MAX_CALLBACK_BYTES:
        raise CallbackTooLarge(f"callback body above {MAX_CALLBACK_BYTES} bytes")
    if not signature or not signing.verify(body, signature):
        raise BadSignature("callback signature does not match")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise MalformedCallback("callback body is not JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("request_no"), str) or not isinstance(data.get("status"), str):
        raise MalformedCallback("callback needs request_no and status")
    reason = data.get("reason", "")
    outcome = instruction_apply_result(request_no=data["request_no"], status=data["status"], reason=reason if isinstance(reason, str) else "")
    CallbackLog.objects.create(
        request_no=data["request_no"][:_REQUEST_NO_CHARS], body=body.decode("utf-8", errors="replace")[:MAX_STORED_CHARS], signature_valid=True,
        outcome=outcome,
    )
    return outcome
