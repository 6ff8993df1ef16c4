"""The REST API fuzzed from its own OpenAPI document (schemathesis): whatever the
input, every operation answers with a documented client error or a success, never
a server error, and every error body has the platform's shape. Runs as a logged-in
verified investor, so the authenticated paths are exercised too."""
import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from peerfund.tests_support.people import onboard

APP = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@pytest.fixture
def token(platform, make_user):
    from peerfund.accounts.services import api_token_create

    user = make_user(username="fuzzer")
    onboard(user, identity=5)
    return api_token_create(user=user, name="fuzz")[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_makes_the_api_fail(case, token):
    response = case.call(headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "fuzz"})
    case.validate_response(response, checks=(not_a_server_error,))
    if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        assert {"code", "message"} <= set(body), body
