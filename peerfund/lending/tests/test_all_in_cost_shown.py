"""The borrower sees the all-in annual cost on My loans beside the contract rate, and
the public loan detail carries the masked borrower disclosure and the same cost."""
from decimal import Decimal

from peerfund.lending.cost import loan_all_in_apr


def test_my_loans_shows_the_all_in_cost_beside_the_rate(disbursed_loan, client):
    client.force_login(disbursed_loan.borrower)
    page = client.get("/loans/my-loans/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    cost = loan_all_in_apr(disbursed_loan)
    assert cost > disbursed_loan.annual_rate  # the service fee is in it
    assert "综合年化成本" in page and f"{cost * 100:.2f}%" in page


def test_the_loan_detail_api_discloses_the_borrower_masked_and_the_all_in_cost(disbursed_loan, client):
    body = client.get(f"/api/v1/loans/{disbursed_loan.pk}").json()
    assert Decimal(body["all_in_apr"]) == loan_all_in_apr(disbursed_loan) >= disbursed_loan.annual_rate
    disclosure = body["borrower_disclosure"]
    assert disclosure and "刘洋" not in str(disclosure)
    assert sum(i["fee_fen"] for i in body["schedule"]) > 0
