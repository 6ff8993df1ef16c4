"""Personal data encrypted at rest, bound to its column, rotatable, searchable by a
blind index."""
import base64
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from peerfund.accounts.models import User
from peerfund.accounts.selectors import user_find_by_phone
from peerfund.core import crypto


def _key(kid: str) -> str:
    return f"{kid}:{base64.b64encode(os.urandom(32)).decode()}"


def _raw_phone(user) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        return cursor.fetchone()[0]


def test_round_trip_and_column_binding():
    token = crypto.encrypt("110101199003071234", context="accounts.user.id_number")
    assert "110101199003071234" not in token
    assert crypto.decrypt(token, context="accounts.user.id_number") == "110101199003071234"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context="accounts.user.phone")


def test_tampered_ciphertext_is_refused():
    token = crypto.encrypt("13800000000", context="c")
    prefix, kid, body = token.split("$")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{prefix}${kid}${base64.urlsafe_b64encode(bytes(raw)).decode()}", context="c")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("plain text", context="c")


def test_phone_is_stored_encrypted_and_found_by_blind_index(make_user):
    user = make_user(username="enc", phone="13912345678")
    assert "13912345678" not in _raw_phone(user)
    assert User.objects.get(pk=user.pk).phone == "13912345678"
    assert user_find_by_phone("13912345678") == user
    assert user_find_by_phone("13912345679") is None


def test_key_rotation_keeps_old_data_readable_then_rewrites_it(make_user, settings):
    user = make_user(username="rot", phone="13700000001")
    old_kid = crypto.key_id_of(_raw_phone(user))
    settings.PEERFUND_ENCRYPTION_KEYS = _key("k2") + "," + settings.PEERFUND_ENCRYPTION_KEYS
    assert User.objects.get(pk=user.pk).phone == "13700000001"  # old key still decrypts
    call_command("encryption_rotate", stdout=open(os.devnull, "w"))
    assert crypto.key_id_of(_raw_phone(user)) == "k2" != old_kid
    settings.PEERFUND_ENCRYPTION_KEYS = settings.PEERFUND_ENCRYPTION_KEYS.split(",")[0]  # old key retired
    assert User.objects.get(pk=user.pk).phone == "13700000001"


FIXED_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.mark.parametrize(
    "raw",
    ["", "nokey", "k1:not-base64!", "k1:" + base64.b64encode(b"short").decode(), f"a:{FIXED_KEY},a:{FIXED_KEY}"],
    ids=["empty", "no-separator", "not-base64", "short", "duplicate-id"],
)
def test_bad_key_ring_is_a_configuration_error(raw):
    with pytest.raises(ImproperlyConfigured):
        crypto.parse_key_ring(raw)


def test_production_refuses_the_demo_secrets():
    env = {**os.environ, "PEERFUND_ENV": "production", "DJANGO_SETTINGS_MODULE": "config.settings"}
    for name in ("SECRET_KEY", "PEERFUND_ENCRYPTION_KEYS", "PEERFUND_BLIND_INDEX_KEY", "PEERFUND_CUSTODY_SECRET"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "Production refuses the demo secrets" in result.stderr
    env.update(
        SECRET_KEY="k7Q2-pZ9vX4mL0sR8tY1uW6eA3dF5gH2jK9bN4cV7xZ0qP1oI8", PEERFUND_ENCRYPTION_KEYS=_key("p1"),
        PEERFUND_BLIND_INDEX_KEY="b" * 32, PEERFUND_CUSTODY_SECRET="c" * 32,
        # The rest of a real production configuration (tests/test_deploy_checks.py has each rule).
        PEERFUND_CUSTODIAN_URL="https://custody.bank.example/api/", PEERFUND_PAYMENT_PAGE_URL="https://pay.channel.example/cashier",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        **{name: f"vendor.{name.lower()}.Adapter" for name in (
            "PEERFUND_SMS_ADAPTER", "PEERFUND_IDENTITY_ADAPTER", "PEERFUND_CARD_CHECK_ADAPTER", "PEERFUND_ESIGN_ADAPTER",
            "PEERFUND_BLACKLIST_ADAPTER", "PEERFUND_GEO_ADAPTER",
        )},
    )
    ok = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
