"""The REST API (django-ninja): one NinjaAPI, a router per domain app.

Authentication: a bearer token (`Authorization: Bearer pf_…`, see `manage.py
api_token`) or the site session (then CSRF applies). Errors are always
`{"code", "message", "extra"}` (the `ErrorOut` schema), with a 4xx status for what
the caller can fix and a 500 `server_error` for the platform's own faults — never an
HTML page, also for an address under /api/v1/ that names no operation. The OpenAPI
document declares those error statuses on every operation (`_declare_errors`).
"""
import logging

from django.http import Http404, JsonResponse
from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from peerfund.accounts.api import router as me_router
from peerfund.backoffice.support_api import router as support_router
from peerfund.cms.api import router as content_router
from peerfund.core.errors import ApplicationError
from peerfund.core.schemas import ErrorOut
from peerfund.crowdfunding.api import router as crowdfunding_router
from peerfund.disclosure.api import router as disclosure_router
from peerfund.funds.api import router as funds_router
from peerfund.legal.api import router as legal_router
from peerfund.lending.api import router as lending_router

logger = logging.getLogger("peerfund.api")

# What each error status means on this API; every operation declares these (401 only
# where it needs a login, 503 only where it writes), with the ErrorOut body.
ERROR_STATUSES = {
    400: "A business rule refused the request (`code` names the rule)",
    401: "Not logged in, or no valid API token",
    403: "Not allowed (e.g. money actions are locked on the account)",
    404: "No such object, or not yours",
    409: "Conflicts with the object's state, or an Idempotency-Key reused with another body",
    422: "A parameter or a field is not valid (`extra.fields` lists them)",
    500: "The platform failed; nothing was done twice (retry with the same Idempotency-Key)",
    503: "The operation is paused by the platform for now (`code` is `paused.<operation>`)",
}
_WRITES = {"post", "put", "patch", "delete"}
_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


class BearerTokenAuth(HttpBearer):
    """The token itself is checked by accounts.middleware.ApiTokenMiddleware."""

    def authenticate(self, request, token):
        return request.user if getattr(request, "api_token", None) is not None else None


@csrf_exempt  # nothing to protect, and a CSRF refusal would be an HTML page
def _no_such_operation(request, rest=""):
    return JsonResponse({"code": "not_found", "message": _("Not found."), "extra": {}}, status=404)


class PeerFundAPI(NinjaAPI):
    def _get_urls(self):
        """The operations, then a JSON 404 for every other address under the API."""
        return [*super()._get_urls(), re_path(r"^(?P<rest>.*)$", _no_such_operation)]

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return _declare_errors(schema)


def _declare_errors(schema):
    """Add the shared ErrorOut schema and every operation's error statuses."""
    schema.setdefault("components", {}).setdefault("schemas", {})["ErrorOut"] = ErrorOut.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    for methods in schema["paths"].values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                if (status == 401 and not operation.get("security")) or (status == 503 and method not in _WRITES):
                    continue
                responses.setdefault(status, {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}})
    return schema


api = PeerFundAPI(
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


@api.exception_handler(Exception)
def server_error(request, exc: Exception):
    """Anything unexpected: logged with its traceback (and so reported), answered in
    the API's shape. Runs after core.idempotency has seen the exception."""
    logger.exception("API %s %s failed", request.method, request.path, exc_info=exc)
    return _error(request, 500, "server_error", _("Something went wrong on our side. Please try again later."))


api.add_router("/me", me_router)
api.add_router("/me/support", support_router)
api.add_router("/funds", funds_router)
api.add_router("/loans", lending_router)
api.add_router("/crowdfunding", crowdfunding_router)
api.add_router("/disclosure", disclosure_router)
api.add_router("/content", content_router)
api.add_router("/legal", legal_router)
