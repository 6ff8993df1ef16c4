"""A money call refused for want of consent is not its outcome: the client accepts the
documents and retries the same call with the same Idempotency-Key, and it goes through
(core.idempotency.ASKS_FIRST), instead of replaying the stored 409 for ever."""
from peerfund.legal.models import Acceptance
from peerfund.lending.models import Bid
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD


def test_the_same_key_goes_through_once_the_documents_are_accepted(investor, listed_loan, api_client_for, django_capture_on_commit_callbacks):
    Acceptance.objects.filter(user=investor).delete()  # a lender who never accepted the lending documents
    pay_deposit(investor, 100_000, django_capture_on_commit_callbacks, key="d")
    api = api_client_for(investor)
    body = {"amount_fen": 10_000, "trade_password": TRADE_PASSWORD}
    refused = api.post(f"/api/v1/loans/{listed_loan.pk}/bids", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="bid-1")
    assert refused.status_code == 409 and refused.json()["code"] == "legal.consent_required"
    versions = [d["id"] for d in refused.json()["extra"]["documents"]]
    assert api.post("/api/v1/legal/acceptances", {"versions": versions, "action": "bid"}, content_type="application/json").status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        placed = api.post(f"/api/v1/loans/{listed_loan.pk}/bids", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="bid-1")
    assert placed.status_code == 201, placed.content
    assert Bid.objects.filter(investor=investor, amount_fen=10_000).count() == 1
    replayed = api.post(f"/api/v1/loans/{listed_loan.pk}/bids", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="bid-1")
    assert replayed.status_code == 201 and replayed.json() == placed.json()
