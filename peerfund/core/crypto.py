"""Encryption of personal data at rest (AES-256-GCM with a key ring) and HMAC blind
indexes so an encrypted column can still be searched by exact value.

PEERFUND_ENCRYPTION_KEYS is "kid:base64key,kid:base64key,…"; the first key encrypts,
all keys decrypt, so a new key is rotated in by putting it first and running
`manage.py encryption_rotate`. Each ciphertext names its key id and is bound to its
column (associated data), so a value copied into another column does not decrypt.
"""
import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "gcm1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value could not be decrypted: unknown key id or tampered ciphertext."""


@dataclass(frozen=True)
class KeyRing:
    primary_id: str
    keys: dict[str, bytes]


def parse_key_ring(raw: str) -> KeyRing:
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        kid, sep, encoded = item.partition(":")
        if not sep or not kid or "$" in kid:
            raise ImproperlyConfigured("PEERFUND_ENCRYPTION_KEYS entries look like kid:base64key")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise ImproperlyConfigured(f"Encryption key {kid!r} is not valid base64") from exc
        if len(key) != 32:
            raise ImproperlyConfigured(f"Encryption key {kid!r} must be 32 bytes (AES-256)")
        if kid in keys:
            raise ImproperlyConfigured(f"Encryption key id {kid!r} appears twice")
        keys[kid] = key
        order.append(kid)
    if not order:
        raise ImproperlyConfigured("PEERFUND_ENCRYPTION_KEYS holds no key")
    return KeyRing(primary_id=order[0], keys=keys)


@lru_cache(maxsize=4)
def _ring(raw: str) -> KeyRing:
    return parse_key_ring(raw)


def key_ring() -> KeyRing:
    return _ring(settings.PEERFUND_ENCRYPTION_KEYS)


def encrypt(plaintext: str, *, context: str) -> str:
    ring = key_ring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.primary_id]).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{PREFIX}${ring.primary_id}${base64.urlsafe_b64encode(nonce + sealed).decode()}"


def key_id_of(token: str) -> str:
    prefix, kid, _body = _split(token)
    return kid


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split("$")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("not an encrypted value")
    return parts[0], parts[1], parts[2]


def decrypt(token: str, *, context: str) -> str:
    _prefix, kid, body = _split(token)
    key = key_ring().keys.get(kid)
    if key is None:
        raise DecryptionError(f"no key with id {kid!r} in PEERFUND_ENCRYPTION_KEYS")
    try:
        raw = base64.urlsafe_b64decode(body.encode())
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
    except (InvalidTag, ValueError, binascii.Error) as exc:
        raise DecryptionError("ciphertext was altered or belongs to another column") from exc


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash for exact look-ups. `purpose` keeps equal values in different
    columns unlinkable."""
    key = settings.PEERFUND_BLIND_INDEX_KEY.encode()
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()
