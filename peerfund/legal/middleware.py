"""Sends a page visitor to the consent page when an action needs documents they have
not accepted, so no view has to know about consent.

- Before the view: a POST that starts a gated action (a bid, a claim purchase, an
  auto-invest rule, an application, a pledge) and the pages that exist only to start
  one (the application form, the pledge form) redirect at once when consent is missing.
  This also covers views that show a service's errors as form errors.
- After the view: a `ConsentRequired` raised by a service and not caught is turned into
  the same redirect (the API answers 409 itself: paths under /api/ are left alone).
Listed in MIDDLEWARE after `core.middleware.ApplicationErrorMiddleware`, so its
`process_exception` runs first."""
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from peerfund.legal.services import Action, ConsentRequired, accept_url, consent_missing

# url name -> (action, gated on GET too)
GATES: dict[str, tuple[str, bool]] = {
    "lending:loan": (Action.BID, False),
    "lending:buy_claim": (Action.CLAIM_PURCHASE, False),
    "lending:auto_invest": (Action.AUTO_INVEST, False),
    "lending:apply": (Action.APPLY, True),
    "crowdfunding:pledge": (Action.PLEDGE, True),
    "crowdfunding:pledge_no_reward": (Action.PLEDGE, True),
}


def _back_to(request) -> str:
    """Where to return after accepting: the page itself for a GET, the page the form
    was on for a POST (when it is ours), else the address posted to."""
    if request.method == "GET":
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        from urllib.parse import urlsplit

        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.path


def _redirect(request, action: str):
    target = accept_url(action, _back_to(request))
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


class ConsentMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        gate = GATES.get(match.view_name) if match is not None else None
        if gate is None or not request.user.is_authenticated:
            return None
        action, on_get = gate
        if action == Action.AUTO_INVEST and request.method == "POST" and not request.POST.get("enabled"):
            return None  # turning auto-invest off needs no consent
        if request.method == "POST" or (on_get and request.method == "GET"):
            if consent_missing(request.user, action):
                return _redirect(request, action)
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, ConsentRequired) and not request.path.startswith("/api/"):
            return _redirect(request, exception.extra.get("action", ""))
        return None
