"""WSGI entry point (gunicorn config.wsgi).

In production the platform's own system checks (peerfund.web.checks: no sandbox, no
debug, a strong secret key, /sandbox/ not routed) run before the first request is
served; any error stops the start-up with the list of problems.
"""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _refuse_unsafe_production() -> None:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    if settings.PEERFUND_ENV != "production":
        return
    from peerfund.web.checks import production_errors

    errors = production_errors()
    if errors:
        raise ImproperlyConfigured("Production refuses to start: " + "; ".join(f"{e.msg} ({e.id})" for e in errors))


_refuse_unsafe_production()
