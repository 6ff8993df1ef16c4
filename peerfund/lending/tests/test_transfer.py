"""Debt transfer (债权转让): price and fee, receivables moving to the buyer to the fen,
the holding period, expiry and withdrawal on overdue, and every refusal."""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerfund.accounts.errors import AccountError
from peerfund.contracts.evidence import evidence_verify
from peerfund.core import clock
from peerfund.core.errors import Conflict
from peerfund.ledger.selectors import user_balances
from peerfund.ledger.services import platform_account
from peerfund.lending.models import ClaimListing, ClaimPurchase, Investment, Receivable, RepaymentInstalment
from peerfund.lending.services.overdue import loans_mark_overdue
from peerfund.lending.services.transfer import (
    claim_buy,
    claim_list,
    claim_price,
    claims_expire,
    claims_on_sale,
    claims_withdraw_overdue,
)
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, onboard


def fen(value) -> int:
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.fixture
def held_claim(disbursed_loan, investor):
    """The investor's ¥4,000 claim in the disbursed loan, and the loan's first instalment."""
    first = RepaymentInstalment.objects.get(loan=disbursed_loan, number=1)
    return Investment.objects.get(loan=disbursed_loan, investor=investor), first


@pytest.fixture
def buyer(make_user, django_capture_on_commit_callbacks):
    user = make_user(username="buyer")
    onboard(user, identity=4)
    pay_deposit(user, 500_000, django_capture_on_commit_callbacks, key="buyer-funds")
    return user


def test_selling_part_of_a_claim(held_claim, investor, buyer, django_capture_on_commit_callbacks):
    investment, first = held_claim
    clock.travel_to(first.due_date - dt.timedelta(days=5))  # held about 25 days: less than the product's 30
    with pytest.raises(AccountError) as excinfo:
        claim_list(seller=investor, investment_id=investment.pk, principal_fen=None, discount_rate=Decimal("0.02"))
    assert excinfo.value.code == "transfer.holding"
    day = first.due_date + dt.timedelta(days=1)  # held 31 days; the first instalment is due and not yet paid
    clock.travel_to(day)
    loans_mark_overdue(loan_ids=[investment.loan_id], on=day)  # still within the grace days: not overdue
    listing = claim_list(seller=investor, investment_id=investment.pk, principal_fen=None, discount_rate=Decimal("0.02"))
    outstanding = sum(r.principal_fen for r in investment.receivables.all())
    assert listing.principal_fen == outstanding == 400_000
    seller_before, fee_before = user_balances(investor)["user_available"], platform_account("platform_fee").balance_fen
    current = investment.receivables.get(number=1)
    with django_capture_on_commit_callbacks(execute=True):
        purchase = claim_buy(buyer=buyer, listing_id=listing.pk, principal_fen=100_000, trade_password=TRADE_PASSWORD, key="buy1")
    # Price: ¥1,000 × 98 % plus a quarter of the current period's interest run up so far
    # (the whole first period has run: the instalment is due), fee 0.5 % from the seller.
    accrued = fen(Decimal(current.interest_fen) * 100_000 / 400_000)
    assert (purchase.price_fen, purchase.fee_fen) == (98_000 + accrued, 500)
    assert user_balances(investor)["user_available"] - seller_before == purchase.price_fen - 500
    assert platform_account("platform_fee").balance_fen - fee_before == 500
    bought = purchase.investment
    assert sum(r.principal_fen for r in bought.receivables.all()) == 100_000
    assert sum(r.principal_fen for r in investment.receivables.all()) == 300_000
    for number in range(1, 13):  # every instalment still adds up across all holders
        shares = Receivable.objects.filter(investment__loan=investment.loan, number=number)
        instalment = RepaymentInstalment.objects.get(loan=investment.loan, number=number)
        assert sum(s.principal_fen for s in shares) == instalment.principal_fen
        assert sum(s.interest_fen for s in shares) == instalment.interest_fen
    listing.refresh_from_db()
    assert listing.left_fen == 300_000 and listing.status == "listed"
    assert ClaimPurchase.objects.get(pk=purchase.pk).contract is not None
    assert evidence_verify() == []


def test_transfer_refusals(held_claim, investor, other_investor, buyer, django_capture_on_commit_callbacks):
    investment, first = held_claim
    day = first.due_date + dt.timedelta(days=1)
    clock.travel_to(day)
    listing = claim_list(seller=investor, investment_id=investment.pk, principal_fen=200_000, discount_rate=Decimal("0"))

    def buy(user, amount, key="k"):
        return claim_buy(buyer=user, listing_id=listing.pk, principal_fen=amount, trade_password=TRADE_PASSWORD, key=key)

    with pytest.raises(AccountError) as excinfo:
        buy(investor, 100_000)
    assert excinfo.value.code == "transfer.own"
    with pytest.raises(AccountError) as excinfo:
        buy(buyer, 300_000)
    assert excinfo.value.code == "transfer.above_left" and excinfo.value.extra["left_fen"] == 200_000
    with pytest.raises(AccountError) as excinfo:
        buy(buyer, 15_000)
    assert excinfo.value.code == "transfer.amount"
    with pytest.raises(Conflict):
        claim_list(seller=investor, investment_id=investment.pk, principal_fen=None, discount_rate=Decimal("0"))
    with pytest.raises(AccountError) as excinfo:
        claim_list(seller=other_investor, investment_id=Investment.objects.get(investor=other_investor).pk, principal_fen=None, discount_rate=Decimal("0.5"))
    assert excinfo.value.code == "transfer.discount"
    # the loan goes overdue: the claim comes off sale, and an overdue claim cannot be listed
    overdue_day = first.due_date + dt.timedelta(days=10)
    loans_mark_overdue(loan_ids=[investment.loan_id], on=overdue_day)
    assert claims_withdraw_overdue(loan_ids=[investment.loan_id]) == 1
    listing.refresh_from_db()
    assert listing.status == "withdrawn"
    with pytest.raises(AccountError) as excinfo:
        buy(buyer, 100_000, key="late")
    assert excinfo.value.code == "transfer.closed"
    with pytest.raises(AccountError) as excinfo:
        claim_list(seller=other_investor, investment_id=Investment.objects.get(investor=other_investor).pk, principal_fen=None, discount_rate=Decimal("0"))
    assert excinfo.value.code == "transfer.not_performing"


def test_listings_expire(held_claim, investor):
    investment, first = held_claim
    clock.travel_to(first.due_date + dt.timedelta(days=1))
    listing = claim_list(seller=investor, investment_id=investment.pk, principal_fen=None, discount_rate=Decimal("0.01"))
    assert claims_expire(on=listing.expires_on - dt.timedelta(days=1)) == 0
    assert claims_expire(on=listing.expires_on) == 1
    assert ClaimListing.objects.get(pk=listing.pk).status == "expired"


def test_selling_and_buying_through_the_pages_and_the_api(held_claim, investor, buyer, client, api_client_for, django_capture_on_commit_callbacks):
    import json

    investment, first = held_claim
    clock.travel_to(first.due_date + dt.timedelta(days=1))
    client.force_login(investor)
    assert b'data-testid="sell-form"' in client.get("/loans/my-investments/").content
    refused = client.post(f"/loans/my-investments/{investment.pk}/sell/", {f"sell{investment.pk}-discount": "50"})
    assert refused.status_code == 400
    sold = client.post(f"/loans/my-investments/{investment.pk}/sell/", {f"sell{investment.pk}-principal": "2000", f"sell{investment.pk}-discount": "1"})
    assert sold.status_code == 302
    market = api_client_for(buyer).get("/api/v1/loans/claims").json()
    assert market[0]["left_fen"] == 200_000 and market[0]["discount_rate"] == "0.0100"
    page = client.get("/loans/claims/")
    assert page.status_code == 200 and b'data-testid="buy-form"' in page.content
    listing_id = market[0]["id"]
    body = json.dumps({"principal_fen": 100_000, "trade_password": TRADE_PASSWORD})
    api = api_client_for(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        made = api.post(f"/api/v1/loans/claims/{listing_id}/purchases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="b1")
    assert made.status_code == 201 and made.json()["principal_fen"] == 100_000
    mine = api.get("/api/v1/loans/investments/mine").json()
    assert sum(r["principal_fen"] for r in mine[0]["receivables"]) == 100_000
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        bought = client.post(f"/loans/claims/{listing_id}/buy/", {f"buy{listing_id}-principal": "1000", f"buy{listing_id}-trade_password": TRADE_PASSWORD, f"buy{listing_id}-key": "p2"})
    assert bought.status_code == 302
    assert ClaimListing.objects.get(pk=listing_id).status == "sold"
    # another investor's claim cannot be put up for sale: 404
    own = api_client_for(investor).post("/api/v1/loans/claims", json.dumps({"investment_id": Investment.objects.filter(investor=buyer).first().pk}),
                                         content_type="application/json")
    assert own.status_code == 404


def test_staff_see_the_claims_market_with_its_purchases(held_claim, investor, buyer, staff_with, django_capture_on_commit_callbacks):
    from django.test import Client

    investment, first = held_claim
    clock.travel_to(first.due_date - dt.timedelta(days=1) + dt.timedelta(days=6))
    listing = claim_list(seller=investor, investment_id=investment.pk, principal_fen=None, discount_rate=Decimal("0.01"))
    with django_capture_on_commit_callbacks(execute=True):
        claim_buy(buyer=buyer, listing_id=listing.pk, principal_fen=100_000, trade_password=TRADE_PASSWORD, key="b")
    client = Client()
    client.force_login(staff_with("risk"))
    page = client.get("/backoffice/lending/claims/")
    assert [row.pk for row in page.context["listings"]] == [listing.pk]
    assert f"{buyer.username} ¥1,000.00" in page.content.decode()


def test_the_claims_market_prices_every_listing_in_the_same_few_queries(held_claim, investor, other_investor):
    investment, first = held_claim
    day = first.due_date + dt.timedelta(days=1)  # held long enough to list
    clock.travel_to(day)
    claim_list(seller=investor, investment_id=investment.pk, principal_fen=None, discount_rate=Decimal("0.02"))

    def market():
        with CaptureQueriesContext(connection) as queries:
            shown = claims_on_sale(limit=10)
        return shown, len(queries)

    one, queries_for_one = market()
    other = Investment.objects.get(loan=investment.loan, investor=other_investor)
    claim_list(seller=other_investor, investment_id=other.pk, principal_fen=None, discount_rate=Decimal("0.05"))
    two, queries_for_two = market()
    assert queries_for_two == queries_for_one
    assert [price for _listing, price in two] == [claim_price(listing, 10_000, day)[0] for listing, _price in two]
    assert two[1][1] == one[0][1] and two[0][1] != two[1][1]  # the 5 % discount shows
