"""Repaying through My loans and the API; investors see their receivables' states;
another user gets a 404."""
import json

from peerfund.core.money import format_fen
from peerfund.lending.models import RepaymentInstalment
from peerfund.tests_support.people import TRADE_PASSWORD


def test_the_borrower_repays_from_my_loans_and_sees_the_plan_update(disbursed_loan, client, django_capture_on_commit_callbacks):
    loan = disbursed_loan
    client.force_login(loan.borrower)
    page = client.get("/loans/my-loans/")
    assert page.status_code == 200 and b'data-testid="repay-form"' in page.content
    first = RepaymentInstalment.objects.get(loan=loan, number=1)
    # the service fee is its own column of the plan (服务费), ¥11.67 with the first instalment
    assert first.fee_fen == 1_167
    assert f'data-testid="instalment-fee">{format_fen(first.fee_fen)}<'.encode() in page.content
    prefix = f"repay{loan.pk}"
    wrong = client.post(f"/loans/my-loans/{loan.pk}/repay/", {f"{prefix}-amount": "999999", f"{prefix}-trade_password": TRADE_PASSWORD, f"{prefix}-key": "k1"})
    assert wrong.status_code == 400 and format_fen(first.owed_fen).encode() in wrong.content  # "only … is due now"
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/loans/my-loans/{loan.pk}/repay/", {f"{prefix}-trade_password": TRADE_PASSWORD, f"{prefix}-key": "k2"})
    assert done.status_code == 302
    first.refresh_from_db()
    assert first.status == "paid"
    assert client.post(f"/loans/my-loans/{loan.pk}/repay/", {}).status_code == 400  # no trade password
    client.force_login(loan.investments.first().investor)
    assert client.post(f"/loans/my-loans/{loan.pk}/repay/", {f"{prefix}-trade_password": TRADE_PASSWORD, f"{prefix}-key": "k3"}).status_code == 404


def test_the_api_repays_and_shows_plans_and_receivables(disbursed_loan, api_client_for, investor, other_user, django_capture_on_commit_callbacks):
    loan = disbursed_loan
    borrower = api_client_for(loan.borrower)
    mine = borrower.get("/api/v1/loans/mine").json()
    assert mine[0]["id"] == loan.pk and mine[0]["due_now_fen"] == mine[0]["instalments"][0]["owed_fen"] > 0
    first = mine[0]["instalments"][0]
    assert first["fee_fen"] == 1_167 and first["owed_fen"] == first["principal_fen"] + first["interest_fen"] + first["fee_fen"]
    assert sum(i["fee_fen"] for i in mine[0]["instalments"]) == 14_000  # 2 % of ¥7,000, never taken from the loan
    body = json.dumps({"trade_password": TRADE_PASSWORD, "amount_fen": mine[0]["due_now_fen"] + 1})
    refused = borrower.post(f"/api/v1/loans/{loan.pk}/repayments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a")
    assert refused.status_code == 400 and refused.json()["code"] == "repay.above_due"
    body = json.dumps({"trade_password": TRADE_PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        paid = borrower.post(f"/api/v1/loans/{loan.pk}/repayments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="b")
    assert paid.status_code == 201 and paid.json()["amount_fen"] == mine[0]["due_now_fen"]
    assert borrower.get("/api/v1/loans/mine").json()[0]["instalments"][0]["status"] == "paid"
    receivables = api_client_for(investor).get("/api/v1/loans/investments/mine").json()[0]["receivables"]
    assert receivables[0]["status"] == "received" and receivables[0]["received_fen"] == receivables[0]["principal_fen"] + receivables[0]["interest_fen"]
    assert receivables[1]["status"] == "due"
    stranger = api_client_for(other_user)
    assert stranger.post(f"/api/v1/loans/{loan.pk}/repayments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="c").status_code == 404
    assert stranger.get("/api/v1/loans/mine").json() == []


def test_prepaying_through_the_api_and_the_page(disbursed_loan, api_client_for, client, django_capture_on_commit_callbacks):
    from peerfund.tests_support.money import pay_deposit

    loan = disbursed_loan
    pay_deposit(loan.borrower, 100_000, django_capture_on_commit_callbacks, key="top-up")
    api = api_client_for(loan.borrower)
    quote = api.get(f"/api/v1/loans/{loan.pk}/prepayment-quote?principal_fen=100000&mode=reduce_term").json()
    assert quote["principal_fen"] == 100_000 and quote["fee_fen"] == 1_000 and quote["remaining_principal_fen"] == 600_000
    assert sum(i["principal_fen"] for i in quote["new_instalments"]) == 600_000
    assert all(i["fee_fen"] in (1_166, 1_167) for i in quote["new_instalments"])  # the instalments left keep their fee
    body = json.dumps({"trade_password": TRADE_PASSWORD, "principal_fen": 100_000, "mode": "reduce_term"})
    with django_capture_on_commit_callbacks(execute=True):
        made = api.post(f"/api/v1/loans/{loan.pk}/prepayments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="p1")
    assert made.status_code == 201 and made.json()["amount_fen"] == quote["total_fen"]
    assert len([i for i in api.get("/api/v1/loans/mine").json()[0]["instalments"] if i["status"] == "due"]) == len(quote["new_instalments"])
    client.force_login(loan.borrower)
    refused = client.post(f"/loans/my-loans/{loan.pk}/prepay/", {f"prepay{loan.pk}-principal": "99999", f"prepay{loan.pk}-mode": "reduce_term",
                                                                f"prepay{loan.pk}-trade_password": TRADE_PASSWORD, f"prepay{loan.pk}-key": "p2"})
    assert refused.status_code == 400 and b"prepay-form" in refused.content
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/loans/my-loans/{loan.pk}/prepay/", {f"prepay{loan.pk}-mode": "reduce_term",
                                                                 f"prepay{loan.pk}-trade_password": TRADE_PASSWORD, f"prepay{loan.pk}-key": "p3"})
    assert done.status_code == 302  # the rest, ¥6,000 and its fee, from the ¥6,850 left
    loan.refresh_from_db()
    assert loan.status == "settled"
