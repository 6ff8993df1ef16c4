"""Emergency switches: staff pause sign-ups, bids, pledges or withdrawals for
everyone, with a reason, through maker–checker; while paused the API answers 503 with
`paused.<operation>` and the reason, pages show the reason, every page shows a banner;
every pause and resume is audited; staff without `pause_operations` get 403."""
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from peerfund.accounts.models import User
from peerfund.backoffice.approvals import approval_decide, approval_request
from peerfund.backoffice.models import ApprovalRequest
from peerfund.core import clock
from peerfund.core.errors import Conflict, Forbidden
from peerfund.core.models import AuditLog, OperationSwitch
from peerfund.core.switches import Operation, OperationPaused, ensure_open, is_open, switches_forget, switches_list
from peerfund.crowdfunding.models import Pledge
from peerfund.funds.models import Withdrawal
from peerfund.ledger.selectors import user_balances
from peerfund.lending.models import Bid, Loan, LoanProduct
from peerfund.lending.schedules import Method
from peerfund.tests_support.crowdfunding import address_of, published_project
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, onboard

pytestmark = pytest.mark.django_db
SWITCH = ApprovalRequest.Kind.OPERATION_SWITCH


@pytest.fixture(autouse=True)
def _fresh_switch_cache():
    """The switch state is cached; a test's rolled-back pause must not outlive it."""
    switches_forget()
    yield
    switches_forget()


@pytest.fixture
def maker(staff_with):
    return staff_with("operations", "ops-maker")


@pytest.fixture
def checker(staff_with):
    return staff_with("compliance", "compliance-checker")


def _switch(operation) -> OperationSwitch:
    return next(s for s in switches_list() if s.operation == operation)


def _set(operation, maker, checker, *, pause: bool, reason: str) -> ApprovalRequest:
    asked = approval_request(staff=maker, kind=SWITCH, target_id=_switch(operation).pk, reason=reason, payload={"pause": pause})
    return approval_decide(staff=checker, request=asked, approve=True)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post_json(client, url, body, key):
    return client.post(url, json.dumps(body), content_type="application/json", headers={"Idempotency-Key": key})


def test_a_pause_takes_two_people_and_every_step_is_audited(maker, checker):
    asked = approval_request(staff=maker, kind=SWITCH, target_id=_switch(Operation.WITHDRAWALS).pk,
                             reason="bank custody outage", payload={"pause": True})
    assert is_open(Operation.WITHDRAWALS)  # asking alone pauses nothing
    with pytest.raises(Forbidden):
        approval_decide(staff=maker, request=asked, approve=True)
    with pytest.raises(Conflict):  # one waiting request per switch
        approval_request(staff=checker, kind=SWITCH, target_id=_switch(Operation.WITHDRAWALS).pk, reason="again", payload={"pause": True})
    approval_decide(staff=checker, request=asked, approve=True)
    assert not is_open(Operation.WITHDRAWALS) and is_open(Operation.PLEDGES)
    switch = _switch(Operation.WITHDRAWALS)
    assert (switch.paused, switch.reason, switch.requested_by, switch.approved_by) == (True, "bank custody outage", maker, checker)
    with pytest.raises(Conflict):  # pausing what is paused
        approval_request(staff=maker, kind=SWITCH, target_id=switch.pk, reason="twice", payload={"pause": True})

    _set(Operation.WITHDRAWALS, checker, maker, pause=False, reason="bank back online")
    assert is_open(Operation.WITHDRAWALS)
    rows = AuditLog.objects.filter(object_type="core.operationswitch", object_id=str(switch.pk)).order_by("id")
    assert [(r.action, r.actor, r.from_state, r.to_state, r.reason) for r in rows] == [
        ("switch.paused", checker, "open", "paused", "bank custody outage"),
        ("switch.resumed", maker, "paused", "open", "bank back online"),
    ]
    assert rows[0].data["requested_by"] == maker.pk and rows[1].data["requested_by"] == checker.pk
    actions = list(AuditLog.objects.filter(action__startswith="approval.operation_switch").order_by("id").values_list("action", flat=True))
    assert actions == ["approval.operation_switch.requested", "approval.operation_switch.approved"] * 2


def test_a_rejected_pause_changes_nothing(maker, checker):
    asked = approval_request(staff=maker, kind=SWITCH, target_id=_switch(Operation.BIDS).pk, reason="test", payload={"pause": True})
    approval_decide(staff=checker, request=asked, approve=False)
    assert is_open(Operation.BIDS) and not AuditLog.objects.filter(action="switch.paused").exists()


def test_staff_without_the_permission_cannot_ask_approve_or_open_the_page(maker, staff_with, investor):
    finance, finance2 = staff_with("finance", "fin"), staff_with("finance", "fin2")
    with pytest.raises(Forbidden):
        approval_request(staff=finance, kind=SWITCH, target_id=_switch(Operation.PLEDGES).pk, reason="no", payload={"pause": True})
    asked = approval_request(staff=maker, kind=SWITCH, target_id=_switch(Operation.PLEDGES).pk, reason="fraud wave", payload={"pause": True})
    with pytest.raises(Forbidden):  # approve_adjustments is not enough for a switch
        approval_decide(staff=finance2, request=asked, approve=True)
    assert _client(finance).get("/backoffice/switches/").status_code == 403
    assert _client(finance).post(f"/backoffice/switches/{asked.pk}/", {"decision": "approve"}).status_code == 403
    assert _client(finance2).post(f"/backoffice/approvals/{asked.pk}/", {"decision": "approve"}).status_code == 302
    assert _client(investor).get("/backoffice/switches/").status_code == 403
    assert Client().get("/backoffice/switches/").status_code == 302  # to the login page
    assert is_open(Operation.PLEDGES)
    assert 'data-testid="menu-backofficeswitches"' not in _client(finance).get("/backoffice/finance/").content.decode()
    assert 'data-testid="menu-backofficeswitches"' in _client(maker).get("/backoffice/").content.decode()


def test_the_switch_page_asks_and_a_second_person_approves(maker, checker):
    maker_page, checker_page = _client(maker), _client(checker)
    switch = _switch(Operation.PLEDGES)
    maker_page.post("/backoffice/switches/", {"switch": switch.pk, "action": "pause", "reason": "项目方集中跑路调查中"})
    asked = ApprovalRequest.objects.get(kind=SWITCH)
    assert asked.payload == {"operation": "pledges", "pause": True}
    assert 'data-testid="approve"' not in maker_page.get("/backoffice/switches/").content.decode()
    maker_page.post(f"/backoffice/switches/{asked.pk}/", {"decision": "approve"})
    assert is_open(Operation.PLEDGES)
    checker_page.post(f"/backoffice/switches/{asked.pk}/", {"decision": "approve"})
    assert not is_open(Operation.PLEDGES)
    page = checker_page.get("/backoffice/switches/").content.decode()
    row = page.split('data-testid="switch-pledges"')[1].split("</tr>")[0]
    assert "项目方集中跑路调查中" in row and "ops-maker / compliance-checker" in row and 'data-testid="state"' in row
    assert "Ask to resume" in row or "申请恢复" in row
    empty = checker_page.post("/backoffice/switches/", {"switch": switch.pk, "action": "resume", "reason": " "})
    assert empty.status_code == 302 and ApprovalRequest.objects.filter(status="pending").count() == 0  # a reason is required


def test_a_paused_withdrawal_is_refused_on_the_page_and_503_in_the_api(investor, maker, checker, api_client_for,
                                                                     django_capture_on_commit_callbacks, settings):
    settings.PEERFUND_COOLING_OFF_DAYS = 0
    pay_deposit(investor, 500_000, django_capture_on_commit_callbacks)
    api = api_client_for(investor)
    body = {"amount_fen": 100_000, "card_id": investor.card.pk, "trade_password": TRADE_PASSWORD}
    ensure_open(Operation.WITHDRAWALS)  # the open state is now cached: the pause must still be seen at once
    _set(Operation.WITHDRAWALS, maker, checker, pause=True, reason="存管银行系统维护")

    refused = _post_json(api, "/api/v1/funds/withdrawals", body, key="wd-1")
    assert refused.status_code == 503
    error = refused.json()
    assert error["code"] == "paused.withdrawals" and "存管银行系统维护" in error["message"]
    assert error["extra"]["operation"] == "withdrawals" and error["extra"]["reason"] == "存管银行系统维护"
    page = _client(investor).post("/funds/withdraw/", {"amount": "1000", "card": investor.card.pk, "trade_password": TRADE_PASSWORD, "key": "w1"})
    assert page.status_code == 200
    assert "存管银行系统维护" in page.content.decode().split('data-testid="form-error"')[1].split("</div>")[0]
    assert not Withdrawal.objects.exists() and user_balances(investor)["user_available"] == 500_000

    _set(Operation.WITHDRAWALS, checker, maker, pause=False, reason="维护结束")
    with django_capture_on_commit_callbacks(execute=True):
        retried = _post_json(api, "/api/v1/funds/withdrawals", body, key="wd-1")  # the 503 was not stored for the key
    assert retried.status_code == 201 and Withdrawal.objects.get().amount_fen == 100_000


def test_a_paused_pledge_is_refused_in_the_api_and_on_the_page(platform, make_user, maker, checker, api_client_for, staff_with,
                                                             django_capture_on_commit_callbacks):
    owner = make_user(username="project-owner")
    onboard(owner, identity=2)
    project = published_project(owner, staff_with("operations", "cf-reviewer"))
    backer = make_user(username="backer")
    onboard(backer, identity=0)
    pay_deposit(backer, 200_000, django_capture_on_commit_callbacks)
    address = address_of(backer)
    tier = project.tiers.order_by("price_fen").first()
    _set(Operation.PLEDGES, maker, checker, pause=True, reason="fraud investigation")

    body = {"tier_id": tier.pk, "amount_fen": tier.minimum_fen, "address_id": address.pk, "trade_password": TRADE_PASSWORD}
    refused = _post_json(api_client_for(backer), f"/api/v1/crowdfunding/projects/{project.pk}/pledges", body, key="p1")
    assert refused.status_code == 503 and refused.json()["code"] == "paused.pledges" and "fraud investigation" in refused.json()["message"]
    page = _client(backer).post(f"/projects/{project.pk}/pledge/{tier.pk}/",
                                {"amount": "109", "address": address.pk, "trade_password": TRADE_PASSWORD, "key": "p2"})
    assert "fraud investigation" in page.content.decode().split('data-testid="form-error"')[1].split("</div>")[0]
    assert not Pledge.objects.exists() and user_balances(backer)["user_frozen"] == 0


def test_a_paused_sign_up_shows_the_reason_and_creates_no_account(client, maker, checker):
    _set(Operation.SIGNUPS, maker, checker, pause=True, reason="batch registration attack")
    shown = client.get("/accounts/signup/")
    assert shown.status_code == 503 and "batch registration attack" in shown.content.decode()
    posted = client.post("/accounts/signup/", {"phone": "13912345678", "password1": "Sup3r-secret-pw", "password2": "Sup3r-secret-pw", "agree": "on"})
    assert posted.status_code == 503 and "batch registration attack" in posted.content.decode()
    assert not User.objects.filter(phone_index=User._meta.get_field("phone_index").index_of("+8613912345678")).exists()
    _set(Operation.SIGNUPS, checker, maker, pause=False, reason="attack over")
    reopened = client.get("/accounts/signup/")
    assert reopened.status_code == 200 and 'name="password1"' in reopened.content.decode()


def test_the_banner_shows_every_paused_operation_and_goes_after_resume(maker, checker):
    request = RequestFactory().get("/")

    def banner() -> str:
        return render_to_string("web/_emergency_banner.html", request=request)  # through the context processors

    assert 'data-testid="emergency-banner"' not in banner()
    _set(Operation.BIDS, maker, checker, pause=True, reason="撮合系统升级")
    shown = banner()
    assert 'data-testid="paused-bids"' in shown and "撮合系统升级" in shown and 'data-testid="paused-withdrawals"' not in shown
    _set(Operation.BIDS, checker, maker, pause=False, reason="升级完成")
    assert 'data-testid="emergency-banner"' not in banner()


def test_every_page_shows_the_banner_while_paused(client, maker, checker):
    """Needs `{% include "web/_emergency_banner.html" %}` in web/base.html."""
    _set(Operation.WITHDRAWALS, maker, checker, pause=True, reason="存管银行系统维护")
    for url in ("/", "/accounts/login/", "/backoffice/switches/"):
        page = (_client(maker) if url.startswith("/backoffice") else client).get(url).content.decode()
        assert 'data-testid="paused-withdrawals"' in page and "存管银行系统维护" in page, url
    _set(Operation.WITHDRAWALS, checker, maker, pause=False, reason="done")
    assert 'data-testid="emergency-banner"' not in client.get("/").content.decode()


def test_a_paused_bid_is_503_in_the_api(investor, make_user, maker, checker, api_client_for, django_capture_on_commit_callbacks, settings):
    """Needs the guard line at the top of lending/services/bidding.py bid_place."""
    settings.PEERFUND_COOLING_OFF_DAYS = 0
    product = LoanProduct.objects.create(
        name="工薪贷", min_amount_fen=100_000, max_amount_fen=20_000_000, terms_months=[12], method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.08"), rate_max=Decimal("0.12"), service_fee_rate=Decimal("0.02"), min_bid_fen=10_000, bid_step_fen=10_000,
        max_per_investor_fen=500_000, required_risk_level="C2",
    )
    borrower = make_user(username="borrower")
    onboard(borrower, identity=3)
    now = clock.now()
    loan = Loan.objects.create(borrower=borrower, product=product, title="周转借款", amount_fen=1_000_000, left_fen=1_000_000, months=12,
                               annual_rate=Decimal("0.10"), grade="B", listed_at=now, deadline=now + dt.timedelta(days=7))
    pay_deposit(investor, 500_000, django_capture_on_commit_callbacks)
    _set(Operation.BIDS, maker, checker, pause=True, reason="撮合系统升级")
    refused = _post_json(api_client_for(investor), f"/api/v1/loans/{loan.pk}/bids", {"amount_fen": 100_000, "trade_password": TRADE_PASSWORD}, key="b1")
    assert refused.status_code == 503 and refused.json()["code"] == "paused.bids" and "撮合系统升级" in refused.json()["message"]
    loan.refresh_from_db()
    assert loan.left_fen == 1_000_000 and not Bid.objects.exists()


def test_the_guard_raises_the_paused_error_with_the_reason(maker, checker):
    _set(Operation.PLEDGES, maker, checker, pause=True, reason="x")
    with pytest.raises(OperationPaused) as paused:
        ensure_open(Operation.PLEDGES)
    assert paused.value.status == 503 and paused.value.code == "paused.pledges" and paused.value.extra["reason"] == "x"
