"""Consent: recorded with hash, time, IP and browser in the evidence chain; required
before bids, pledges and applications; asked again when a new version is published;
the consent page (web), the 409 (API) and the sign-up checkbox."""
import pytest
from django.test import Client

from peerfund.contracts.evidence import evidence_verify
from peerfund.contracts.models import EvidenceRecord
from peerfund.legal.models import Acceptance, DocumentKind
from peerfund.legal.services import (
    Action,
    ConsentRequired,
    acceptance_intact,
    consent_missing,
    consent_record,
    consent_require,
    document_draft_start,
    document_publish,
    document_submit,
    published,
)
from peerfund.lending.models import Bid
from peerfund.lending.services.bidding import bid_place
from peerfund.tests_support.consent import accept_all
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD


@pytest.fixture
def investor(platform, make_user):
    """An onboarded investor who has not yet accepted any legal document (the shared
    fixture's investor accepted them all, as one who already bid would have)."""
    from peerfund.tests_support.people import onboard

    user = make_user(username="investor")
    user.card = onboard(user, identity=0, accept=False)
    return user


def _new_version(staff_with, kind: str):
    maker, checker = staff_with("operations", "writer"), staff_with("admin", "publisher")
    draft = document_draft_start(staff=maker, kind=kind)
    document_submit(staff=maker, version=draft)
    return document_publish(staff=checker, version=draft)


def test_an_acceptance_keeps_the_text_hash_time_ip_and_browser_and_joins_the_evidence_chain(make_user):
    user = make_user(username="lender")
    risk = published([DocumentKind.RISK_DISCLOSURE]).get()
    [acceptance] = consent_record(user=user, versions=[risk], ip="116.2.3.4", user_agent="Mozilla/5.0 (iPhone)", action=Action.BID)
    assert (acceptance.document_sha256, acceptance.ip_address, acceptance.user_agent) == (risk.sha256, "116.2.3.4", "Mozilla/5.0 (iPhone)")
    assert acceptance.accepted_at is not None
    record = EvidenceRecord.objects.get(pk=acceptance.evidence_id)
    assert (record.kind, record.ref, record.content_sha256) == ("consent", f"user:{user.pk}:risk_disclosure:v1", acceptance.sha256)
    assert acceptance_intact(acceptance) and evidence_verify() == []
    # accepting again changes nothing
    assert consent_record(user=user, versions=[risk], ip="1.1.1.1")[0].pk == acceptance.pk
    # an edited acceptance no longer matches the chain
    Acceptance.objects.filter(pk=acceptance.pk).update(ip_address="8.8.8.8")
    assert any("acceptance" in problem for problem in evidence_verify())


def test_each_action_needs_its_documents_and_a_new_version_asks_again(make_user, staff_with):
    user = make_user(username="lender")
    assert [v.kind for v in consent_missing(user, Action.BID)] == ["risk_disclosure", "lending_service"]
    assert [v.kind for v in consent_missing(user, Action.APPLY)] == ["credit_authorisation", "lending_service"]
    assert [v.kind for v in consent_missing(user, Action.PLEDGE)] == ["crowdfunding_service", "risk_disclosure"]
    accept_all(user)
    consent_require(user=user, action=Action.BID)  # nothing missing

    v2 = _new_version(staff_with, DocumentKind.RISK_DISCLOSURE)
    with pytest.raises(ConsentRequired) as asked:
        consent_require(user=user, action=Action.BID)
    assert asked.value.code == "legal.consent_required" and asked.value.status == 409
    assert asked.value.extra["documents"] == [{"id": v2.pk, "kind": "risk_disclosure", "version": 2, "title": "风险揭示书",
                                               "sha256": v2.sha256, "url": "/legal/risk_disclosure/v2/"}]
    assert asked.value.extra["accept_url"] == "/legal/accept/?action=bid"
    consent_require(user=user, action=Action.APPLY)  # the borrower's documents did not change


def test_a_bid_needs_the_lenders_consent(investor, listed_loan, django_capture_on_commit_callbacks):
    pay_deposit(investor, 100_000, django_capture_on_commit_callbacks, key="d")
    with pytest.raises(ConsentRequired):
        bid_place(investor=investor, loan_id=listed_loan.pk, amount_fen=10_000, trade_password=TRADE_PASSWORD, key="b")
    assert not Bid.objects.exists()
    accept_all(investor)
    with django_capture_on_commit_callbacks(execute=True):
        bid_place(investor=investor, loan_id=listed_loan.pk, amount_fen=10_000, trade_password=TRADE_PASSWORD, key="b")
    assert Bid.objects.filter(investor=investor).count() == 1


def test_a_bid_on_the_page_goes_through_the_consent_page_and_back(investor, listed_loan, django_capture_on_commit_callbacks):
    pay_deposit(investor, 100_000, django_capture_on_commit_callbacks, key="d")
    browser = Client(HTTP_USER_AGENT="Mozilla/5.0 (Macintosh)", REMOTE_ADDR="101.1.1.1")
    browser.force_login(investor)
    loan_page = f"/loans/{listed_loan.pk}/"
    posted = browser.post(loan_page, {"amount": "100", "trade_password": TRADE_PASSWORD, "key": "k1"}, HTTP_REFERER=f"http://testserver{loan_page}")
    assert posted.status_code == 302 and posted["Location"] == f"/legal/accept/?action=bid&next=%2Floans%2F{listed_loan.pk}%2F"
    assert not Bid.objects.exists()

    page = browser.get(posted["Location"]).content.decode()
    assert "《风险揭示书》" in page and "《网络借贷服务协议》" in page and "出借人可能损失部分或全部本金" in page
    refused = browser.post(posted["Location"], {"versions": ",".join(str(v.pk) for v in consent_missing(investor, Action.BID))})
    assert refused.status_code == 200 and not Acceptance.objects.exists()  # the box was not ticked

    accepted = browser.post(posted["Location"], {"versions": ",".join(str(v.pk) for v in consent_missing(investor, Action.BID)), "agree": "on"})
    assert accepted.status_code == 302 and accepted["Location"] == loan_page
    assert sorted(Acceptance.objects.filter(user=investor).values_list("version__kind", "ip_address", "user_agent", "action")) == [
        ("lending_service", "101.1.1.1", "Mozilla/5.0 (Macintosh)", "bid"), ("risk_disclosure", "101.1.1.1", "Mozilla/5.0 (Macintosh)", "bid"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(loan_page, {"amount": "100", "trade_password": TRADE_PASSWORD, "key": "k1"})
    assert Bid.objects.filter(investor=investor, amount_fen=10_000).exists()


def test_the_application_form_asks_for_consent_before_it_is_filled(client, make_user):
    borrower = make_user(username="borrower2")
    client.force_login(borrower)
    shown = client.get("/loans/apply/")
    assert shown.status_code == 302 and shown["Location"] == "/legal/accept/?action=apply&next=%2Floans%2Fapply%2F"
    assert "《征信查询授权书》" in client.get(shown["Location"]).content.decode()


def test_the_api_answers_409_with_the_documents_and_accepting_them_clears_it(investor, listed_loan, api_client_for, django_capture_on_commit_callbacks):
    pay_deposit(investor, 100_000, django_capture_on_commit_callbacks, key="d")
    api = api_client_for(investor)
    body = {"amount_fen": 10_000, "trade_password": TRADE_PASSWORD}
    refused = api.post(f"/api/v1/loans/{listed_loan.pk}/bids", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert refused.status_code == 409
    error = refused.json()
    assert error["code"] == "legal.consent_required"
    assert [(d["kind"], d["version"]) for d in error["extra"]["documents"]] == [("risk_disclosure", 1), ("lending_service", 1)]

    listed = api.get("/api/v1/legal/documents", {"action": "bid"}).json()
    assert [d["kind"] for d in listed] == ["risk_disclosure", "lending_service"] and "不承诺保本保息" in listed[0]["body"]
    accepted = api.post("/api/v1/legal/acceptances", {"versions": [d["id"] for d in listed], "action": "bid"}, content_type="application/json",
                        HTTP_USER_AGENT="PeerFund-iOS/2.1")
    assert accepted.status_code == 201 and accepted.json()["still_missing"] == []
    assert set(Acceptance.objects.filter(user=investor).values_list("user_agent", flat=True)) == {"PeerFund-iOS/2.1"}
    with django_capture_on_commit_callbacks(execute=True):
        placed = api.post(f"/api/v1/loans/{listed_loan.pk}/bids", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k2")
    assert placed.status_code == 201


def test_the_api_refuses_a_superseded_version(make_user, staff_with, api_client_for):
    user = make_user(username="lender")
    old = published([DocumentKind.RISK_DISCLOSURE]).get()
    _new_version(staff_with, DocumentKind.RISK_DISCLOSURE)
    refused = api_client_for(user).post("/api/v1/legal/acceptances", {"versions": [old.pk]}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "legal.version_stale"


def test_sign_up_needs_the_agreement_box_and_records_both_documents(client, db):
    form = {"phone": "139 1234 5678", "password1": "Sup3r-secret-pw", "password2": "Sup3r-secret-pw"}
    page = client.get("/accounts/signup/").content.decode()
    assert 'href="/legal/user_agreement/"' in page and 'href="/legal/privacy_policy/"' in page
    refused = client.post("/accounts/signup/", form)
    assert refused.status_code == 200 and 'data-testid="agree-error"' in refused.content.decode()
    assert not Acceptance.objects.exists()

    created = client.post("/accounts/signup/", {**form, "agree": "on"}, HTTP_USER_AGENT="Mozilla/5.0 (Android)", REMOTE_ADDR="120.3.3.3")
    assert created.status_code == 302
    rows = list(Acceptance.objects.values_list("user__phone_verified", "version__kind", "ip_address", "user_agent", "action"))
    assert sorted(r[1:] for r in rows) == [("privacy_policy", "120.3.3.3", "Mozilla/5.0 (Android)", "signup"),
                                          ("user_agreement", "120.3.3.3", "Mozilla/5.0 (Android)", "signup")]


def test_my_acceptances_page_lists_what_i_accepted(client, make_user):
    user = make_user(username="lender")
    accept_all(user, ip="101.1.1.1")
    client.force_login(user)
    page = client.get("/legal/mine/").content.decode()
    assert "《隐私政策》" in page and "101.1.1.1" in page


def test_a_pledge_needs_the_crowdfunding_agreement_and_the_risk_disclosure(platform, make_user, staff_with, investor, django_capture_on_commit_callbacks):
    from peerfund.crowdfunding.models import Pledge
    from peerfund.crowdfunding.services.pledges import pledge_place
    from peerfund.tests_support.crowdfunding import published_project
    from peerfund.tests_support.people import onboard

    owner = make_user(username="maker")
    onboard(owner, identity=2)
    project = published_project(owner, staff_with("operations", "cf-reviewer"))
    pay_deposit(investor, 100_000, django_capture_on_commit_callbacks, key="d")

    def pledge(key):
        with django_capture_on_commit_callbacks(execute=True):
            return pledge_place(backer=investor, project_id=project.pk, tier_id=None, amount_fen=10_000, address_id=None,
                                trade_password=TRADE_PASSWORD, key=key)

    with pytest.raises(ConsentRequired) as asked:
        pledge("p1")
    assert [d["kind"] for d in asked.value.extra["documents"]] == ["crowdfunding_service", "risk_disclosure"]
    consent_record(user=investor, versions=consent_missing(investor, Action.PLEDGE))
    pledge("p1")
    assert Pledge.objects.filter(backer=investor).count() == 1


def test_turning_auto_invest_off_needs_no_consent_turning_it_on_does(client, investor):
    client.force_login(investor)
    off = client.post("/loans/auto-invest/", {})
    assert not off.get("Location", "").startswith("/legal/accept/")
    on = client.post("/loans/auto-invest/", {"enabled": "on"})
    assert on.status_code == 302 and on["Location"].startswith("/legal/accept/?action=auto_invest")
