"""Production cannot touch the sandbox (issue 16, item 6): the system checks of
peerfund.web.checks fail on every way production could reach the simulated bank,
the sandbox adapters, debug pages or a guessable secret key; and a production
process refuses to start at all."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import clear_url_caches

from peerfund.web.checks import check_production_settings, check_sandbox_not_routed

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k7Q2-pZ9vX4mL0sR8tY1uW6eA3dF5gH2jK9bN4cV7xZ0qP1oI8"
REAL = {
    "PEERFUND_ENV": "production",
    "DEBUG": False,
    "SECRET_KEY": STRONG_KEY,
    "INSTALLED_APPS": [app for app in settings.INSTALLED_APPS if app not in ("peerfund.sandbox", "peerfund.demo")],
    "PEERFUND_CUSTODIAN": "http",
    "PEERFUND_CUSTODIAN_URL": "https://custody.bank.example/api/",
    "PEERFUND_PAYMENT_PAGE_URL": "https://pay.channel.example/cashier",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "PEERFUND_SMS_ADAPTER": "vendor.sms.Adapter",
    "PEERFUND_IDENTITY_ADAPTER": "vendor.identity.Adapter",
    "PEERFUND_CARD_CHECK_ADAPTER": "vendor.cards.Adapter",
    "PEERFUND_ESIGN_ADAPTER": "vendor.esign.Adapter",
    "PEERFUND_BLACKLIST_ADAPTER": "vendor.blacklist.Adapter",
    "PEERFUND_GEO_ADAPTER": "vendor.geo.Adapter",
}


class _Overlay:
    """The settings with some values changed, as the check reads them (override_settings
    of INSTALLED_APPS would rebuild the app registry)."""

    def __init__(self, values):
        self._values = values

    def __getattr__(self, name):
        return self._values[name] if name in self._values else getattr(settings, name)


def problems(**changes) -> list[tuple[str, str]]:
    from peerfund.web import checks

    original = checks.settings
    checks.settings = _Overlay({**REAL, **changes})
    try:
        return [(message.id, message.msg) for message in check_production_settings()]
    finally:
        checks.settings = original


def test_a_real_production_configuration_passes():
    assert problems() == []


@pytest.mark.parametrize("changes, check_id, words", [
    ({"DEBUG": True}, "peerfund.E001", "DEBUG is on"),
    ({"SECRET_KEY": "a"}, "peerfund.E002", "1 characters"),
    ({"SECRET_KEY": "ab" * 40}, "peerfund.E002", "2 distinct"),
    ({"SECRET_KEY": settings.DEMO_SECRET_KEY}, "peerfund.E002", "demo key"),
    ({"PEERFUND_CUSTODIAN": "inprocess"}, "peerfund.E003", "in-process sandbox"),
    ({"PEERFUND_CUSTODIAN": "peerfund.sandbox.bank.SandboxBank"}, "peerfund.E003", "in-process sandbox"),
    ({"PEERFUND_CUSTODIAN_URL": "https://www.peerfund.example/sandbox/bank/api/"}, "peerfund.E003", "sandbox bank"),
    ({"PEERFUND_CUSTODIAN_URL": ""}, "peerfund.E003", "not set"),
    ({"PEERFUND_PAYMENT_PAGE_URL": ""}, "peerfund.E007", "not set"),
    ({"PEERFUND_PAYMENT_PAGE_URL": "https://www.peerfund.example/sandbox/pay/"}, "peerfund.E007", "sandbox payment page"),
    ({"EMAIL_BACKEND": "peerfund.sandbox.outbox.OutboxEmailBackend"}, "peerfund.E004", "EMAIL_BACKEND"),
    ({"PEERFUND_SMS_ADAPTER": "peerfund.sandbox.outbox.SandboxSms"}, "peerfund.E004", "PEERFUND_SMS_ADAPTER"),
    ({"PEERFUND_IDENTITY_ADAPTER": "peerfund.sandbox.identity.SandboxIdentityProvider"}, "peerfund.E004", "IDENTITY"),
    ({"PEERFUND_CARD_CHECK_ADAPTER": "peerfund.sandbox.cardcheck.SandboxCardCheck"}, "peerfund.E004", "CARD_CHECK"),
    ({"PEERFUND_ESIGN_ADAPTER": "peerfund.sandbox.esign.SandboxESign"}, "peerfund.E004", "ESIGN"),
    ({"PEERFUND_BLACKLIST_ADAPTER": "peerfund.sandbox.blacklist.SandboxBlacklistProvider"}, "peerfund.E004", "BLACKLIST"),
    ({"PEERFUND_GEO_ADAPTER": "peerfund.sandbox.geo.SandboxGeo"}, "peerfund.E004", "GEO"),
    ({"INSTALLED_APPS": [*REAL["INSTALLED_APPS"], "peerfund.sandbox"]}, "peerfund.E005", "peerfund.sandbox"),
    ({"INSTALLED_APPS": [*REAL["INSTALLED_APPS"], "peerfund.demo.apps.DemoConfig"]}, "peerfund.E005", "peerfund.demo"),
])
def test_each_unsafe_production_setting_is_an_error(changes, check_id, words):
    found = problems(**changes)
    assert [check_id] == [found_id for found_id, _ in found]
    assert words in found[0][1]


def test_demo_and_test_modes_may_use_the_sandbox():
    assert problems(PEERFUND_ENV="demo", PEERFUND_CUSTODIAN="inprocess", DEBUG=True, SECRET_KEY="a") == []


def test_a_routed_sandbox_fails_in_production_only():
    # The test settings install the sandbox, so /sandbox/ is routed here.
    with override_settings(PEERFUND_ENV="production"):
        (error,) = check_sandbox_not_routed()
    assert error.id == "peerfund.E006" and "/sandbox/" in error.msg
    with override_settings(PEERFUND_ENV="test"):
        assert check_sandbox_not_routed() == []


def test_production_urls_do_not_route_the_sandbox(settings):
    from django.apps import apps

    apps.set_installed_apps([app for app in settings.INSTALLED_APPS if app not in ("peerfund.sandbox", "peerfund.demo")])
    try:
        import importlib

        import config.urls

        clear_url_caches()
        importlib.reload(config.urls)
        with override_settings(PEERFUND_ENV="production"):
            assert check_sandbox_not_routed() == []
    finally:
        apps.unset_installed_apps()
        importlib.reload(config.urls)
        clear_url_caches()


def _production_env(**extra) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PEERFUND_", "DJANGO_", "SECRET_KEY", "EMAIL_BACKEND"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PEERFUND_ENV": "production",
        "SECRET_KEY": STRONG_KEY,
        "PEERFUND_ENCRYPTION_KEYS": "k1:cHJvZHVjdGlvbi10ZXN0LWtleS0zMi1ieXRlcy0wMDA=",
        "PEERFUND_BLIND_INDEX_KEY": "production-test-blind-index-key-0123456789",
        "PEERFUND_CUSTODY_SECRET": "production-test-custody-secret-0123456789",
        "PEERFUND_VAR_DIR": str(ROOT / "var" / "deploy-check-test"),
        "PEERFUND_CUSTODIAN_URL": REAL["PEERFUND_CUSTODIAN_URL"],
        "PEERFUND_PAYMENT_PAGE_URL": REAL["PEERFUND_PAYMENT_PAGE_URL"],
        **{name: REAL[name] for name in REAL if name.endswith("_ADAPTER") or name == "EMAIL_BACKEND"},
    })
    env.update(extra)
    return env


def _check_deploy(env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("extra, words", [
    ({"SECRET_KEY": "a"}, "SECRET_KEY has 1 characters"),
    ({"PEERFUND_DEBUG": "1"}, "DEBUG is on"),
    ({"PEERFUND_CUSTODIAN": "inprocess"}, "in-process sandbox bank"),
    ({"PEERFUND_SMS_ADAPTER": "peerfund.sandbox.outbox.SandboxSms"}, "PEERFUND_SMS_ADAPTER is a sandbox class"),
])
def test_production_process_refuses_to_start(extra, words):
    result = _check_deploy(_production_env(**extra))
    assert result.returncode != 0
    assert words in result.stderr and "Production refuses to start" in result.stderr


def test_production_process_with_real_settings_passes_the_deploy_checks():
    result = _check_deploy(_production_env())
    assert result.returncode == 0, result.stderr[-3000:]
    assert "peerfund.E0" not in result.stdout + result.stderr
