"""The buyer of a transferred claim can download the claim transfer agreement, from
My investments and from the API; the seller and loan staff can too, nobody else."""
import datetime as dt
from decimal import Decimal

import pytest

from peerfund.core import clock
from peerfund.lending.models import Investment, RepaymentInstalment
from peerfund.lending.services.transfer import claim_buy, claim_list
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, onboard


@pytest.fixture
def bought(disbursed_loan, investor, make_user, django_capture_on_commit_callbacks):
    """A buyer who bought ¥1,000 of the investor's claim; returns (buyer, purchase)."""
    buyer = make_user(username="buyer")
    onboard(buyer, identity=4)
    pay_deposit(buyer, 500_000, django_capture_on_commit_callbacks, key="buyer-funds")
    investment = Investment.objects.get(loan=disbursed_loan, investor=investor)
    first = RepaymentInstalment.objects.get(loan=disbursed_loan, number=1)
    clock.travel_to(first.due_date + dt.timedelta(days=1))  # past the holding period
    listing = claim_list(seller=investor, investment_id=investment.pk, principal_fen=None, discount_rate=Decimal("0.02"))
    with django_capture_on_commit_callbacks(execute=True):
        purchase = claim_buy(buyer=buyer, listing_id=listing.pk, principal_fen=100_000, trade_password=TRADE_PASSWORD, key="buy")
    purchase.refresh_from_db()
    assert purchase.contract_id is not None
    return buyer, purchase


def _is_pdf(response) -> bool:
    return response.status_code == 200 and response["Content-Type"] == "application/pdf" and b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_buyer_finds_and_downloads_the_transfer_agreement_on_my_investments(bought, client):
    buyer, purchase = bought
    client.force_login(buyer)
    page = client.get("/loans/my-investments/").content.decode()
    link = f"/loans/contracts/{purchase.contract_id}.pdf"
    assert 'data-testid="transfer-contract-link"' in page and link in page
    assert _is_pdf(client.get(link))


def test_the_seller_and_loan_staff_may_download_it_others_get_404(bought, investor, other_investor, staff_with, client):
    _buyer, purchase = bought
    link = f"/loans/contracts/{purchase.contract_id}.pdf"
    for allowed in (investor, staff_with("risk", "reviewer")):
        client.force_login(allowed)
        assert _is_pdf(client.get(link)), allowed
    client.force_login(other_investor)
    assert client.get(link).status_code == 404
    assert client.get("/loans/contracts/99999999999999999999.pdf").status_code == 404


def test_the_api_names_the_agreement_and_serves_it_to_its_parties_only(bought, investor, other_investor, api_client_for):
    buyer, purchase = bought
    api = api_client_for(buyer)
    mine = api.get("/api/v1/loans/investments/mine").json()
    assert [row["contract_id"] for row in mine] == [purchase.contract_id]
    assert _is_pdf(api.get(f"/api/v1/loans/contracts/{purchase.contract_id}"))
    assert _is_pdf(api_client_for(investor).get(f"/api/v1/loans/contracts/{purchase.contract_id}"))
    refused = api_client_for(other_investor).get(f"/api/v1/loans/contracts/{purchase.contract_id}")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    too_big = api.get(f"/api/v1/loans/contracts/{2**63}")
    assert too_big.status_code == 422 and too_big.json()["code"] == "validation"
