"""The API renders every error as {"code", "message", "extra"} with a 4xx status, and
pages render domain errors as a styled banner."""
import json

from django.test import RequestFactory

from peerfund.core.errors import ApplicationError, NotFound
from peerfund.core.middleware import ApplicationErrorMiddleware


def test_domain_error_is_code_message_extra(investor, api_client_for):
    response = api_client_for(investor).post(
        "/api/v1/funds/deposits", data=json.dumps({"amount_fen": 5}), content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="neg",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "extra"}
    assert body["code"] == "deposit.amount"
    assert body["extra"] == {"field": "amount", "min_fen": 100}


def test_validation_error_names_the_field(owner, api_client_for):
    response = api_client_for(owner).post(
        "/api/v1/funds/deposits", data=json.dumps({"amount_fen": "lots"}), content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="v",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation"
    assert body["extra"]["fields"][0]["field"] == "payload.amount_fen"


def test_unauthenticated_call_is_401_in_the_same_shape(client, db):
    response = client.get("/api/v1/funds/overview")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    bad_token = client.get("/api/v1/funds/overview", HTTP_AUTHORIZATION="Bearer pf_forged")
    assert bad_token.status_code == 401


def test_revoked_token_no_longer_works(owner):
    from django.test import Client

    from peerfund.accounts.services import api_token_create, api_token_revoke

    token, plaintext = api_token_create(user=owner, name="phone")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert client.get("/api/v1/funds/overview").status_code == 200
    api_token_revoke(token=token)
    assert client.get("/api/v1/funds/overview").status_code == 401


def test_page_shows_a_domain_error_as_a_banner_with_its_status(db):
    request = RequestFactory().get("/account/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    middleware = ApplicationErrorMiddleware(lambda r: None)
    response = middleware.process_exception(request, NotFound("That listing does not exist.", "listing.not_found"))
    assert response.status_code == 404
    html = response.content.decode()
    assert "That listing does not exist." in html
    assert 'data-error-code="listing.not_found"' in html
    assert middleware.process_exception(request, ValueError("bug")) is None


def test_api_paths_are_left_to_the_api_renderer(db):
    request = RequestFactory().get("/api/v1/x")
    assert ApplicationErrorMiddleware(lambda r: None).process_exception(request, ApplicationError("x")) is None
