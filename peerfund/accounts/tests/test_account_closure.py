"""Closing an account (注销): only when nothing is left; then no login, no session,
no token; personal data anonymised by the daily close after the retention period,
the books intact."""
import datetime as dt
from decimal import Decimal

import pytest
from allauth.usersessions.models import UserSession

from peerfund.accounts.errors import AccountError
from peerfund.accounts.models import ApiToken, BankCard, LoginRecord, ShippingAddress, User, Verification
from peerfund.accounts.services.data_rights import CloseBlocked, account_close, closed_accounts_due, closure_blockers
from peerfund.cob.registry import step
from peerfund.core import clock
from peerfund.core.models import AuditLog
from peerfund.crowdfunding.services.pledges import pledge_place
from peerfund.ledger.invariants import ledger_check
from peerfund.ledger.models import Entry, Posting
from peerfund.lending.models import Loan, LoanProduct
from peerfund.lending.schedules import Method
from peerfund.lending.services.bidding import bid_place
from peerfund.tests_support.consent import accept_all
from peerfund.tests_support.crowdfunding import address_of, published_project
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, onboard

PASSWORD = "correct-horse-9"


def codes(user) -> set[str]:
    return {b.code for b in closure_blockers(user)}


def refused_codes(user) -> set[str]:
    with pytest.raises(CloseBlocked) as refused:
        account_close(user=user, password=PASSWORD, trade_password=TRADE_PASSWORD)
    assert refused.value.code == "account.close_blocked"
    user.refresh_from_db()
    assert user.is_active and user.closed_at is None
    return {reason["code"] for reason in refused.value.extra["reasons"]}


def listed_loan(borrower, amount_fen=1_000_000):
    product = LoanProduct.objects.create(
        name="工薪贷", min_amount_fen=100_000, max_amount_fen=20_000_000, terms_months=[12], method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.08"), rate_max=Decimal("0.12"), service_fee_rate=Decimal("0.01"), min_bid_fen=10_000, bid_step_fen=10_000,
        max_per_investor_fen=500_000, required_risk_level="C2",
    )
    now = clock.now()
    return Loan.objects.create(borrower=borrower, product=product, title="周转借款", amount_fen=amount_fen, left_fen=amount_fen, months=12,
                               annual_rate=Decimal("0.10"), grade="B", listed_at=now, deadline=now + dt.timedelta(days=7))


def withdraw_all(user, capture):
    """Empty the account the way a user does: withdraw the whole balance (fee included)."""
    from peerfund.funds.services.withdrawals import withdrawal_request
    from peerfund.ledger.selectors import user_balances

    with capture(execute=True):
        withdrawal_request(user=user, amount_fen=user_balances(user)["user_available"], card_id=user.card.pk, trade_password=TRADE_PASSWORD, key="all")
    assert user_balances(user)["user_available"] == 0


@pytest.fixture(autouse=True)
def _no_cooling_off(settings):
    settings.PEERFUND_COOLING_OFF_DAYS = 0


@pytest.fixture
def empty(platform, make_user):
    """Verified, with a card, a trade password, an address and a login: no money."""
    user = make_user(username="leaver")
    user.card = onboard(user, identity=4)
    accept_all(user)
    address_of(user)
    LoginRecord.objects.create(user=user, ip_address="10.1.2.3", city="杭州", device="dev")
    return user


def test_money_on_the_account_blocks_closure(empty, django_capture_on_commit_callbacks):
    pay_deposit(empty, 50_000, django_capture_on_commit_callbacks)
    with pytest.raises(CloseBlocked) as refused:
        account_close(user=empty, password=PASSWORD, trade_password=TRADE_PASSWORD)
    reasons = {r["code"]: r for r in refused.value.extra["reasons"]}
    assert reasons["balance.available"]["amount_fen"] == 50_000
    assert refused.value.status == 409


def test_a_frozen_bid_blocks_closure(empty, make_user, django_capture_on_commit_callbacks):
    borrower = make_user(username="borrower")
    onboard(borrower, identity=3)
    loan = listed_loan(borrower)
    pay_deposit(empty, 100_000, django_capture_on_commit_callbacks)
    accept_all(empty)
    with django_capture_on_commit_callbacks(execute=True):
        bid_place(investor=empty, loan_id=loan.pk, amount_fen=100_000, trade_password=TRADE_PASSWORD, key="b1")
    assert {"lending.open_bids", "balance.frozen"} <= refused_codes(empty)
    assert "balance.available" not in codes(empty)
    assert "lending.open_loans" in refused_codes(borrower)  # the borrower of a listed loan cannot close either


def test_an_open_pledge_blocks_closure(empty, make_user, staff_with, django_capture_on_commit_callbacks):
    maker = make_user(username="maker")
    onboard(maker, identity=2)
    project = published_project(maker, staff_with("operations", "cf-reviewer"))
    pay_deposit(empty, 20_000, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        pledge_place(backer=empty, project_id=project.pk, tier_id=None, amount_fen=20_000, address_id=None, trade_password=TRADE_PASSWORD, key="p1")
    assert {"crowdfunding.open_pledges", "balance.frozen"} <= refused_codes(empty)
    assert "crowdfunding.open_projects" in codes(maker)


def test_an_open_loan_blocks_closure(empty):
    loan = listed_loan(empty)
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.DISBURSED)
    assert "lending.open_loans" in refused_codes(empty)
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.WRITTEN_OFF)  # still owed until recovered
    assert "lending.open_loans" in codes(empty)
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.SETTLED)
    assert codes(empty) == set()


def test_the_passwords_confirm_closure(empty):
    with pytest.raises(AccountError) as refused:
        account_close(user=empty, password="wrong", trade_password=TRADE_PASSWORD)
    assert refused.value.code == "data_rights.wrong_password"
    with pytest.raises(AccountError) as refused:
        account_close(user=empty, password=PASSWORD, trade_password="135790")
    assert refused.value.code == "trade_password.wrong"
    empty.refresh_from_db()
    assert empty.is_active


def test_an_empty_account_closes_and_can_no_longer_log_in(empty, client, api_client_for):
    api = api_client_for(empty)
    assert api.get("/api/v1/me").status_code == 200
    assert client.login(username="leaver", password=PASSWORD)
    account_close(user=empty, password=PASSWORD, trade_password=TRADE_PASSWORD, ip_address="10.0.0.9")
    empty.refresh_from_db()
    assert empty.closed_at is not None and not empty.is_active
    assert not client.login(username="leaver", password=PASSWORD)
    assert api.get("/api/v1/me").status_code == 401
    assert not ApiToken.objects.filter(user=empty, revoked_at__isnull=True).exists()
    assert not BankCard.objects.filter(user=empty, removed_at__isnull=True).exists()  # the card may be bound elsewhere
    entry = AuditLog.objects.get(action="account.close", object_id=str(empty.pk))
    assert entry.to_state == "closed" and entry.ip_address == "10.0.0.9"


def test_the_closure_page_lists_the_reasons_then_closes_and_logs_out(empty, client, django_capture_on_commit_callbacks):
    client.force_login(empty)
    UserSession.objects.create(user=empty, session_key=client.session.session_key, ip="127.0.0.1", user_agent="test",
                               created_at=clock.now(), last_seen_at=clock.now())
    pay_deposit(empty, 10_000, django_capture_on_commit_callbacks)
    html = client.get("/me/personal/close/").content.decode()
    assert 'data-testid="close-blockers"' in html and 'data-code="balance.available"' in html
    blocked = client.post("/me/personal/close/", {"password": PASSWORD, "trade_password": TRADE_PASSWORD, "understood": "on"})
    assert blocked.status_code == 200 and 'data-testid="form-error"' in blocked.content.decode()
    withdraw_all(empty, django_capture_on_commit_callbacks)  # emptied: the page closes it and logs the person out
    response = client.post("/me/personal/close/", {"password": PASSWORD, "trade_password": TRADE_PASSWORD, "understood": "on"})
    assert response.status_code == 302
    assert client.get("/me/personal/").status_code == 302  # to the login page
    assert not UserSession.objects.filter(user=empty).exists()


def test_the_api_reports_and_closes(empty, api_client_for, django_capture_on_commit_callbacks):
    client = api_client_for(empty)
    assert client.get("/api/v1/me/closure").json() == {"can_close": True, "reasons": []}
    pay_deposit(empty, 10_000, django_capture_on_commit_callbacks)
    status = client.get("/api/v1/me/closure").json()
    assert status["can_close"] is False and status["reasons"][0]["code"] == "balance.available"
    refused = client.post("/api/v1/me/closure", {"password": PASSWORD, "trade_password": TRADE_PASSWORD}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "account.close_blocked"
    assert refused.json()["extra"]["reasons"][0]["amount_fen"] == 10_000


def test_the_api_closes_an_empty_account(empty, api_client_for):
    client = api_client_for(empty)
    response = client.post("/api/v1/me/closure", {"password": PASSWORD, "trade_password": TRADE_PASSWORD}, content_type="application/json")
    assert response.status_code == 200 and response.json()["personal_data_kept_days"] == 1825
    assert client.get("/api/v1/me").status_code == 401


# --- anonymisation after the retention period ---------------------------------------------


def test_personal_data_is_anonymised_after_the_retention_period_and_the_books_stay(
        platform, make_user, django_capture_on_commit_callbacks, settings):
    settings.PEERFUND_PERSONAL_DATA_RETENTION_DAYS = 30
    user = make_user(username="history", email="history@example.com")
    user.card = onboard(user, identity=5)
    card = user.card
    address_of(user)
    LoginRecord.objects.create(user=user, ip_address="10.1.2.3", city="杭州", device="dev")
    pay_deposit(user, 20_000, django_capture_on_commit_callbacks)
    withdraw_all(user, django_capture_on_commit_callbacks)
    entries_before = Entry.objects.count()
    postings_before = list(Posting.objects.filter(account__owner=user).values_list("id", "amount_fen"))
    assert postings_before
    closure_day = clock.business_date()
    account_close(user=user, password=PASSWORD, trade_password=TRADE_PASSWORD)
    verification = Verification.objects.get(user=user)
    id_number = verification.id_number

    purge = step("accounts.personal_data_purge")
    assert purge.items(closure_day + dt.timedelta(days=30)) == []  # still within the period
    due_day = closure_day + dt.timedelta(days=31)
    assert purge.items(due_day) == [user.pk]
    assert purge.run(on=due_day, ids=purge.items(due_day)) == 1

    user.refresh_from_db()
    verification.refresh_from_db()
    card.refresh_from_db()
    assert user.username == f"closed-{user.pk}" and user.phone == "" and user.email == "" and user.anonymised_at is not None
    assert not user.has_usable_password() and user.trade_password == ""
    assert verification.id_number != id_number and "CLOSED" in verification.id_number and verification.real_name == "已注销用户"
    assert verification.birth_date is None
    assert card.card_number.startswith("CLOSED") and card.last4 == "****"
    assert not ShippingAddress.objects.filter(user=user).exists() and not LoginRecord.objects.filter(user=user).exists()
    # The books are untouched: the same entries and postings, and the audit trail.
    assert Entry.objects.count() == entries_before
    assert list(Posting.objects.filter(account__owner=user).values_list("id", "amount_fen")) == postings_before
    assert AuditLog.objects.filter(action="account.close", object_id=str(user.pk)).exists()
    assert AuditLog.objects.filter(action="account.anonymise", object_id=str(user.pk)).exists()
    # Run again (a resumed close): nothing more to do.
    assert closed_accounts_due(due_day) == []
    assert User.objects.filter(username=f"closed-{user.pk}").count() == 1


def test_the_purge_keeps_the_ledger_check_clean(platform, make_user, settings):
    settings.PEERFUND_PERSONAL_DATA_RETENTION_DAYS = 1
    user = make_user(username="quiet")
    onboard(user, identity=2)
    account_close(user=user, password=PASSWORD, trade_password=TRADE_PASSWORD)
    day = clock.business_date() + dt.timedelta(days=2)
    purge = step("accounts.personal_data_purge")
    assert purge.run(on=day, ids=purge.items(day)) == 1
    assert ledger_check(include_external=False) == []
