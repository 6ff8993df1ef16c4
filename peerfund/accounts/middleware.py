"""Bearer-token authentication for /api/, done in middleware so that everything
that wraps an API operation (idempotency, rate limits) already knows the user."""
from peerfund.accounts.selectors import api_token_lookup


class ApiTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if request.path.startswith("/api/") and scheme.lower() == "bearer" and token.strip():
            found = api_token_lookup(token.strip())
            if found is not None:
                request.user = found.user
                request.api_token = found
        return self.get_response(request)
