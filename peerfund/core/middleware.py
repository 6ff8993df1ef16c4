"""Middleware of our own: a net under page views' domain errors, and a guard against
session cookies no server ever issued.

`ApplicationErrorMiddleware` renders a domain error raised by a page view as a styled
banner page with its status. Views should catch errors they can show next to a form
field; this is the net under them, so a person never sees a raw traceback for a rule
they broke.
"""
import re

from django.conf import settings
from django.shortcuts import render

from peerfund.core.errors import ApplicationError


class ApplicationErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ApplicationError) and not request.path.startswith("/api/"):
            return render(request, "core/application_error.html", {"error": exception}, status=exception.status)
        return None


# Django issues session keys of 32 lowercase letters and digits (SessionBase's
# VALID_KEY_CHARS); allauth's session list stores the key in a 40-character column.
_SESSION_KEY = re.compile(r"[a-z0-9]{8,40}")


class ForgedSessionCookieMiddleware:
    """Drop a session cookie that no server issued (too long, odd characters) before
    the session machinery sees it: it can name no session anyway, and allauth's
    session tracking would fail storing it on PostgreSQL (a 500 the API fuzzer found)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        value = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if value is not None and not _SESSION_KEY.fullmatch(value):
            del request.COOKIES[settings.SESSION_COOKIE_NAME]
        return self.get_response(request)
