"""The REST API fuzzed from its own OpenAPI document (schemathesis): whatever the
input, every operation answers with a documented client error or a success, never
a server error, and every error body has the platform's shape. Runs as a logged-in
verified investor, so the authenticated paths are exercised too."""
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from peerfund.tests_support.people import onboard

APP = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@pytest.fixture
def keep_test_connection():
    """The WSGI handler closes database connections at the end of each request; in a
    test that would close the test's own transaction (Django's test client
    disconnects the same handlers)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(platform, make_user, keep_test_connection):
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
