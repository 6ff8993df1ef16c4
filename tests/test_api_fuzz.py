"""The REST API fuzzed from its own OpenAPI document (schemathesis) with its response
checks: whatever the input, every operation
answers with a status its document declares, in the declared content type and
shape — never a server error — refuses data that breaks the schema (4xx), and every
error body has the platform's shape. Runs as a logged-in verified investor, so the
authenticated paths are exercised too. Bounded (`max_examples`) to stay within a few
minutes on two cores."""
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from peerfund.tests_support.people import onboard

DJANGO = get_wsgi_application()


def APP(environ, start_response):  # noqa: N802
    """Django behind a WSGI server, which always names the client's address
    (werkzeug's test client, schemathesis's transport, does not)."""
    environ.setdefault("REMOTE_ADDR", "127.0.0.1")
    return DJANGO(environ, start_response)


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)
# Every check of `--checks all`: no 5xx, and the status, content type, headers and
# body each as the document declares; data the document forbids is refused (4xx) and
# data it allows is not refused as invalid (no 422).
ALL_CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.missing_required_header,
    checks.unsupported_method,
    checks.allow_header_conformance,
    checks.ignored_auth,
    checks.use_after_free,
    checks.ensure_resource_availability,
    checks.negative_data_rejection,
    checks.positive_data_acceptance,
]
# A valid request may still be refused by a business rule (400, `code` names it) or
# find its operation paused (503).
schema.config.checks.positive_data_acceptance.expected_statuses += ["400", "503"]


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
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "fuzz"}
    response = case.call(headers=headers)
    case.validate_response(response, checks=ALL_CHECKS, headers=headers)
    if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        assert {"code", "message", "extra"} <= set(body), body
