"""What production refuses, as plain functions of the settings' values.

`config.settings` calls `settings_problems()` at start-up when PEERFUND_ENV=production
and refuses to start on any problem; `peerfund.web.checks` reports the same problems
(plus the routed URLs, known only once the URLconf loads) as system checks, so
`manage.py check --deploy` lists them all. Kept free of Django imports so settings can
use it before Django is configured.
"""
from collections.abc import Iterable
from urllib.parse import urlsplit

SANDBOX_APPS = ("peerfund.sandbox", "peerfund.demo")
SANDBOX_PACKAGES = ("peerfund.sandbox", "peerfund.demo")
ADAPTER_SETTINGS = (
    "EMAIL_BACKEND",
    "PEERFUND_SMS_ADAPTER",
    "PEERFUND_IDENTITY_ADAPTER",
    "PEERFUND_CARD_CHECK_ADAPTER",
    "PEERFUND_ESIGN_ADAPTER",
    "PEERFUND_BLACKLIST_ADAPTER",
    "PEERFUND_GEO_ADAPTER",
)
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 5


def secret_key_problem(key: str, demo_key: str) -> str | None:
    """Why a secret key is unfit for production, or None (the rule of Django's own
    security.W009, made an error)."""
    if key == demo_key:
        return "SECRET_KEY is the public demo key"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"SECRET_KEY has {len(key)} characters; production needs at least {SECRET_KEY_MIN_LENGTH}"
    if len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        return f"SECRET_KEY has {len(set(key))} distinct characters; production needs at least {SECRET_KEY_MIN_DISTINCT}"
    return None


def _names_sandbox(dotted: str) -> bool:
    return any(dotted == package or dotted.startswith(package + ".") for package in SANDBOX_PACKAGES)


def custodian_problem(custodian: str, custodian_url: str) -> str | None:
    if custodian == "inprocess" or _names_sandbox(custodian):
        return "PEERFUND_CUSTODIAN is the in-process sandbox bank; set PEERFUND_CUSTODIAN=http and the bank's PEERFUND_CUSTODIAN_URL"
    if custodian == "http":
        if not custodian_url:
            return "PEERFUND_CUSTODIAN_URL is not set"
        if "/sandbox/" in urlsplit(custodian_url).path + "/":
            return f"PEERFUND_CUSTODIAN_URL ({custodian_url}) points at the sandbox bank's own pages"
    return None


def payment_page_problem(payment_page_url: str) -> str | None:
    if not payment_page_url:
        return "PEERFUND_PAYMENT_PAGE_URL is not set: deposit orders would link to the sandbox payment page"
    if "/sandbox/" in urlsplit(payment_page_url).path + "/":
        return f"PEERFUND_PAYMENT_PAGE_URL ({payment_page_url}) points at the sandbox payment page"
    return None


def settings_problems(
    *, debug: bool, secret_key: str, demo_secret_key: str, installed_apps: Iterable[str], custodian: str,
    custodian_url: str, payment_page_url: str, adapters: dict[str, str],
) -> list[tuple[str, str]]:
    """(check id, problem) for every production rule these values break."""
    problems = []
    if debug:
        problems.append(("peerfund.E001", "DEBUG is on (PEERFUND_DEBUG); production shows no debug pages"))
    key_problem = secret_key_problem(secret_key, demo_secret_key)
    if key_problem:
        problems.append(("peerfund.E002", key_problem))
    custody = custodian_problem(custodian, custodian_url)
    if custody:
        problems.append(("peerfund.E003", custody))
    payment = payment_page_problem(payment_page_url)
    if payment:
        problems.append(("peerfund.E007", payment))
    for name, value in adapters.items():
        if _names_sandbox(value or ""):
            problems.append(("peerfund.E004", f"{name} is a sandbox class ({value}); configure the real provider"))
    for app in installed_apps:
        app_name = app.split(".apps.")[0]
        if app_name in SANDBOX_APPS:
            problems.append(("peerfund.E005", f"{app_name} is in INSTALLED_APPS"))
    return problems
