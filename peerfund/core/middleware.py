"""Render a domain error raised by a page view as a styled banner page with its status.

Views should catch errors they can show next to a form field; this is the net under
them, so a person never sees a raw traceback for a rule they broke.
"""
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
