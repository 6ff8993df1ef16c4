"""System checks that keep production away from the sandbox.

With PEERFUND_ENV=production they fail (Error) when the in-process sandbox bank or our
own /sandbox/ pages are the custodian, any adapter names a sandbox class, the sandbox
or demo app is installed or /sandbox/ is routed, DEBUG is on, or SECRET_KEY is weak.
Registered as deployment checks (`manage.py check --deploy`); config.wsgi runs them
at start-up in production and refuses to serve on any error, and config.settings
refuses the settings-only ones even earlier (config.production).
"""
from django.conf import settings
from django.core import checks
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from config.production import ADAPTER_SETTINGS, settings_problems

TAG = "peerfund_production"
HINT = "See docs/deployment.md, section 'Production settings'."


def _production() -> bool:
    return getattr(settings, "PEERFUND_ENV", "demo") == "production"


@checks.register(TAG, deploy=True)
def check_production_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not _production():
        return []
    problems = settings_problems(
        debug=settings.DEBUG,
        secret_key=settings.SECRET_KEY,
        demo_secret_key=getattr(settings, "DEMO_SECRET_KEY", ""),
        installed_apps=settings.INSTALLED_APPS,
        custodian=settings.PEERFUND_CUSTODIAN,
        custodian_url=settings.PEERFUND_CUSTODIAN_URL,
        payment_page_url=settings.PEERFUND_PAYMENT_PAGE_URL,
        adapters={name: getattr(settings, name, "") for name in ADAPTER_SETTINGS},
    )
    return [checks.Error(problem, hint=HINT, id=check_id) for check_id, problem in problems]


def sandbox_routed() -> bool:
    """Whether any /sandbox/ page answers (the bank API or the pay page)."""
    for probe in ("/sandbox/pay/", "/sandbox/bank/api/deposit"):
        try:
            resolve(probe)
            return True
        except Resolver404:
            pass
    try:
        reverse("sandbox:pay")
        return True
    except NoReverseMatch:
        return False


@checks.register(TAG, checks.Tags.urls, deploy=True)
def check_sandbox_not_routed(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not _production() or not sandbox_routed():
        return []
    return [checks.Error("/sandbox/ is routed: its pay page signs 'paid' notices with the platform's secret", hint=HINT, id="peerfund.E006")]


def production_errors() -> list[checks.CheckMessage]:
    """Every failing production check (for config.wsgi's start-up)."""
    return [
        message
        for message in checks.run_checks(tags=[TAG], include_deployment_checks=True)
        if message.level >= checks.ERROR
    ]
