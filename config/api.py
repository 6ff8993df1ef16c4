"""The REST API (django-ninja): one NinjaAPI, a router per domain app.

Authentication: a bearer token (`Authorization: Bearer pf_…`, see `manage.py
api_token`) or the site session (then CSRF applies). Errors are always
`{"code", "message", "extra"}`.
"""
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from peerfund.accounts.api import router as me_router
from peerfund.backoffice.support_api import router as support_router
from peerfund.cms.api import router as content_router
from peerfund.core.errors import ApplicationError
from peerfund.crowdfunding.api import router as crowdfunding_router
from peerfund.disclosure.api import router as disclosure_router
from peerfund.funds.api import router as funds_router
from peerfund.lending.api import router as lending_router


class BearerTokenAuth(HttpBearer):
    """The token itself is checked by accounts.middleware.ApiTokenMiddleware."""

    def authenticate(self, request, token):
        return request.user if getattr(request, "api_token", None) is not None else None


api = NinjaAPI(
    title="PeerFund API",
    version="1",
    description="REST API of the PeerFund marketplace. Money-moving calls need an Idempotency-Key header.",
    urls_namespace="api",
    auth=[BearerTokenAuth(), SessionAuth()],
)


def _error(request, status: int, code: str, message: str, extra=None):
    return api.create_response(request, {"code": code, "message": message, "extra": extra or {}}, status=status)


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    fields = [
        {"field": ".".join(str(p) for p in err.get("loc", [])[1:]), "message": err.get("msg", "")} for err in exc.errors
    ]
    return _error(request, 422, "validation", _("Some fields are not valid."), {"fields": fields})


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return _error(request, 401, "unauthenticated", _("Log in or send a valid API token."))


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return _error(request, exc.status_code, "http_error", str(exc))


api.add_router("/me", me_router)
api.add_router("/me/support", support_router)
api.add_router("/funds", funds_router)
api.add_router("/loans", lending_router)
api.add_router("/crowdfunding", crowdfunding_router)
api.add_router("/disclosure", disclosure_router)
api.add_router("/content", content_router)
