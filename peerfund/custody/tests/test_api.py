"""Deposits and balances through the REST API; another user's deposit is a 404."""
import json

import pytest

from peerfund.custody.models import Instruction


def _deposit(client, amount, key):
    return client.post("/api/v1/funds/deposits", data=json.dumps({"amount_fen": amount}), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db(transaction=True)  # commits for real, so the outbox sends before the reply
def test_deposit_then_see_it_and_the_balance(owner, api_client_for):
    client = api_client_for(owner)
    created = _deposit(client, 12_345, "a1")
    assert created.status_code == 202
    body = created.json()
    assert body["status"] == "succeeded" and body["amount_display"] == "¥123.45"
    assert client.get(f"/api/v1/funds/deposits/{body['request_no']}").json()["amount_fen"] == 12_345
    assert [d["request_no"] for d in client.get("/api/v1/funds/deposits").json()] == [body["request_no"]]
    balances = client.get("/api/v1/funds/balances").json()
    assert (balances["available_fen"], balances["available_display"]) == (12_345, "¥123.45")
    (posting,) = client.get("/api/v1/funds/postings").json()
    assert (posting["entry_kind"], posting["amount_fen"]) == ("deposit", 12_345)


def test_another_users_deposit_is_not_found(owner, other_user, api_client_for):
    request_no = _deposit(api_client_for(owner), 500, "mine").json()["request_no"]
    response = api_client_for(other_user).get(f"/api/v1/funds/deposits/{request_no}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api_client_for(other_user).get("/api/v1/funds/deposits").json() == []
    assert api_client_for(other_user).get("/api/v1/funds/postings").json() == []


def test_openapi_document_lists_the_money_calls(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/funds/deposits" in schema["paths"]
    assert Instruction.objects.count() == 0
