"""Idempotency-Key on money-moving API calls: replay, conflict, missing key."""
import json

from peerfund.core.models import IdempotencyRecord
from peerfund.funds.models import DepositOrder

URL = "/api/v1/funds/deposits"


def _post(client, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


def test_repeating_a_call_replays_the_first_answer_and_moves_money_once(investor, api_client_for):
    client = api_client_for(investor)
    first = _post(client, {"amount_fen": 50_000}, key="k-1")
    again = _post(client, {"amount_fen": 50_000}, key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert DepositOrder.objects.filter(user=investor).count() == 1


def test_same_key_with_another_body_is_a_conflict(investor, api_client_for):
    client = api_client_for(investor)
    _post(client, {"amount_fen": 50_000}, key="k-2")
    response = _post(client, {"amount_fen": 60_000}, key="k-2")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency.key_reused"
    assert DepositOrder.objects.filter(user=investor).count() == 1


def test_money_call_without_a_key_is_refused(investor, api_client_for):
    response = _post(api_client_for(investor), {"amount_fen": 50_000})
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency.key_missing"
    assert response.json()["message"]
    too_long = _post(api_client_for(investor), {"amount_fen": 50_000}, key="x" * 121)
    assert too_long.status_code == 400
    assert not DepositOrder.objects.exists()


def test_keys_belong_to_one_user(investor, other_investor, api_client_for):
    assert _post(api_client_for(investor), {"amount_fen": 100}, key="shared").status_code == 201
    assert _post(api_client_for(other_investor), {"amount_fen": 200}, key="shared").status_code == 201
    assert DepositOrder.objects.count() == 2


def test_call_still_in_progress_is_a_conflict(investor, api_client_for):
    client = api_client_for(investor)
    body = {"amount_fen": 100}
    IdempotencyRecord.objects.create(user=investor, key="busy", method="POST", path=URL, request_hash="0" * 64)
    response = _post(client, body, key="busy")
    assert response.status_code == 409
    assert response.json()["code"] in {"idempotency.key_reused", "idempotency.in_progress"}


def test_failed_business_rule_is_stored_and_replayed(investor, api_client_for):
    client = api_client_for(investor)
    first = _post(client, {"amount_fen": 1}, key="bad")
    again = _post(client, {"amount_fen": 1}, key="bad")
    assert first.status_code == again.status_code == 400
    assert first.json()["code"] == again.json()["code"] == "deposit.amount"
