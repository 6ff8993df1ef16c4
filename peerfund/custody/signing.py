"""HMAC-SHA256 signatures on custody messages (requests, replies and callbacks),
with the secret both sides share (PEERFUND_CUSTODY_SECRET)."""
import hashlib
import hmac

from django.conf import settings

HEADER = "X-Custody-Signature"


def sign(body: bytes) -> str:
    return hmac.new(settings.PEERFUND_CUSTODY_SECRET.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(body), signature or "")
