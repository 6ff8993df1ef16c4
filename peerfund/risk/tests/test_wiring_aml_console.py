"""The engine where users meet it (registration, login, deposit, withdrawal,
application), the AML patterns, and the risk console's permissions."""
import datetime as dt

import pytest
from django.test import Client

from peerfund.accounts.models import User
from peerfund.core import clock
from peerfund.funds.models import Withdrawal
from peerfund.risk.blacklist import blacklist_add
from peerfund.risk.models import AmlAlert, Evaluation, Rule
from peerfund.risk.services import RiskRefused, credit_assess
from peerfund.tests_support.applications import GOOD
from peerfund.tests_support.money import pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, onboard

REFUSAL = "We cannot do this for you right now"


def test_a_blacklisted_phone_cannot_register_and_is_not_told_why(client, staff):
    blacklist_add(staff=staff, kind="phone", value="13912341111", reason="fraud ring 7")
    page = client.post("/accounts/signup/", {"phone": "139 1234 1111", "password1": "Sup3r-secret-pw", "password2": "Sup3r-secret-pw", "agree": "on"})
    html = page.content.decode()
    assert page.status_code == 200 and not User.objects.filter(username__startswith="user").exclude(pk=staff.pk).exists()
    assert "fraud ring" not in html and ("客服" in html or "customer service" in html)
    evaluation = Evaluation.objects.get(event="registration")
    assert evaluation.outcome == "reject" and "fraud ring 7" in " ".join(evaluation.signals["blacklist_reasons"])


def test_an_externally_listed_phone_cannot_register(client, db):
    client.post("/accounts/signup/", {"phone": "137 0000 0666", "password1": "Sup3r-secret-pw", "password2": "Sup3r-secret-pw", "agree": "on"})
    assert Evaluation.objects.get(event="registration").outcome == "reject"
    assert not User.objects.exists()


def test_a_blacklisted_device_cannot_log_in(staff, make_user):
    make_user(username="dev")
    blacklist_add(staff=staff, kind="device", value="f" * 64, reason="emulator farm")
    client = Client()
    client.cookies["pf_device"] = "f" * 64
    page = client.post("/accounts/login/", {"login": "dev", "password": "correct-horse-9"})
    assert page.status_code == 403 and "emulator" not in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert Client().post("/accounts/login/", {"login": "dev", "password": "correct-horse-9"}).status_code == 302


def test_a_blacklisted_card_cannot_deposit(investor, staff):
    from peerfund.funds.services.deposits import deposit_order_create

    blacklist_add(staff=staff, kind="card", value=investor.card.card_number, reason="stolen")
    with pytest.raises(RiskRefused) as excinfo:
        deposit_order_create(user=investor, amount_fen=10_000, key="k")
    assert excinfo.value.status == 403 and "stolen" not in excinfo.value.message


def test_a_review_rule_sends_a_small_withdrawal_to_review(investor, django_capture_on_commit_callbacks, settings):
    settings.PEERFUND_COOLING_OFF_DAYS = 0
    pay_deposit(investor, 1_000_000, django_capture_on_commit_callbacks)
    Rule.objects.create(event="withdrawal", name="first timers", condition="amount_fen >= 50000", action="review", priority=5)
    from peerfund.funds.services.withdrawals import withdrawal_request

    with django_capture_on_commit_callbacks(execute=True):
        small = withdrawal_request(user=investor, amount_fen=20_000, card_id=investor.card.pk, trade_password=TRADE_PASSWORD, key="a")
        held = withdrawal_request(user=investor, amount_fen=60_000, card_id=investor.card.pk, trade_password=TRADE_PASSWORD, key="b")
    small.refresh_from_db()
    assert (small.status, held.status) == (Withdrawal.Status.SUCCEEDED, Withdrawal.Status.REVIEWING)


def test_a_blacklisted_person_is_refused_at_application(active_model, make_user, platform, monkeypatch):
    from peerfund.sandbox.blacklist import LISTED
    from peerfund.tests_support.people import IDENTITIES

    listed = make_user(username="listed")
    onboard(listed, identity=2)  # a listed identity is refused at verification, so
    monkeypatch.setitem(LISTED, ("id_number", IDENTITIES[2][0]), "court enforcement list")  # listed after
    assert credit_assess(user=listed, application=GOOD).outcome == "reject"
    clean = make_user(username="clean")
    onboard(clean, identity=0)
    assert credit_assess(user=clean, application=GOOD).outcome == "pass"


def test_a_rule_edited_in_the_back_office_changes_the_next_decision(active_model, investor, staff_with):
    risk_officer = staff_with("risk")
    client = Client()
    client.force_login(risk_officer)
    assert credit_assess(user=investor, application=GOOD).outcome == "pass"
    rule = Rule.objects.get(event="application", name="Grade E")
    form = {"name": rule.name, "event": "application", "condition": "score < 700", "action": "reject", "priority": 1, "enabled": "on", "description": "tightened"}
    tried = client.post(f"/backoffice/risk/rules/{rule.pk}/", {**form, "sample": '{"score": 650}', "try": "1"})
    assert 'data-testid="tried"' in tried.content.decode()
    rule.refresh_from_db()
    assert rule.condition == "grade == 'E'"  # trying saves nothing
    bad = client.post(f"/backoffice/risk/rules/{rule.pk}/", {**form, "condition": "score <", "save": "1"})
    assert 'data-testid="condition-error"' in bad.content.decode()
    assert client.post(f"/backoffice/risk/rules/{rule.pk}/", {**form, "save": "1"}).status_code == 302
    assert credit_assess(user=investor, application=GOOD).outcome == "reject"


def test_large_transactions_are_reported(investor, django_capture_on_commit_callbacks, settings):
    settings.PEERFUND_AML_LARGE_FEN = 500_000
    pay_deposit(investor, 600_000, django_capture_on_commit_callbacks)
    alert = AmlAlert.objects.get(kind="large")
    assert alert.user == investor and alert.amount_fen == 600_000 and alert.status == "open"


def test_structuring_just_under_the_threshold(investor, django_capture_on_commit_callbacks, settings):
    settings.PEERFUND_AML_LARGE_FEN = 500_000
    for i in range(3):
        pay_deposit(investor, 490_000, django_capture_on_commit_callbacks, key=f"s{i}")
    assert AmlAlert.objects.filter(kind="structuring").count() == 1
    assert not AmlAlert.objects.filter(kind="large").exists()


def test_rapid_in_and_out_and_deposit_then_withdraw_without_investing(investor, django_capture_on_commit_callbacks, settings):
    from peerfund.funds.services.withdrawals import withdrawal_request

    clock.travel_to(dt.date(2026, 5, 1))
    pay_deposit(investor, 1_000_000, django_capture_on_commit_callbacks)
    clock.travel_to(dt.date(2026, 5, 4))
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal_request(user=investor, amount_fen=900_000, card_id=investor.card.pk, trade_password=TRADE_PASSWORD, key="out")
    kinds = set(AmlAlert.objects.values_list("kind", flat=True))
    assert {"rapid", "deposit_withdraw"} <= kinds


def test_the_risk_console_is_for_the_risk_role_only(staff_with, active_model):
    risk_officer, finance = staff_with("risk"), staff_with("finance")
    pages = ["/backoffice/risk/", "/backoffice/risk/rules/", "/backoffice/risk/rules/new/", "/backoffice/risk/blacklist/", "/backoffice/risk/decisions/", "/backoffice/risk/aml/"]
    client = Client()
    client.force_login(risk_officer)
    for url in pages:
        assert client.get(url).status_code == 200, url
    assert 'data-testid="scorecard"' in client.get("/backoffice/risk/").content.decode()
    assert 'data-testid="menu-riskmodels"' in client.get("/backoffice/").content.decode()
    client.force_login(finance)
    for url in pages:
        assert client.get(url).status_code == 403, url
    assert 'data-testid="menu-riskmodels"' not in client.get("/backoffice/").content.decode()


def test_compliance_works_the_aml_queue(staff_with, investor):
    officer = staff_with("compliance")
    alert = AmlAlert.objects.create(kind="large", user=investor, amount_fen=9_000_000, ref="x", detail="big")
    client = Client()
    client.force_login(officer)
    assert "big" in client.get("/backoffice/risk/aml/").content.decode()
    client.post(f"/backoffice/risk/aml/{alert.pk}/", {"status": "reported", "note": "filed with the PBOC"})
    alert.refresh_from_db()
    assert alert.status == "reported" and "filed with the PBOC" in alert.notes and alert.handled_by == officer
    assert client.get("/backoffice/risk/rules/").status_code == 403  # compliance handles AML, not rules


def test_the_blacklist_page_adds_and_masks(staff_with):
    client = Client()
    client.force_login(staff_with("risk"))
    client.post("/backoffice/risk/blacklist/", {"kind": "id_number", "value": "110101199003071233", "reason": "fraud"})
    page = client.get("/backoffice/risk/blacklist/").content.decode()
    assert "110101********1233" in page and "110101199003071233" not in page


def test_model_activation_from_the_console(staff_with, active_model, artefact):
    from peerfund.risk.models import ScoreModel

    newer = ScoreModel.objects.create(version="test-2", artefact=artefact, metrics={}, data_sha256="y", features=[])
    client = Client()
    client.force_login(staff_with("risk"))
    client.post("/backoffice/risk/", {"model": newer.pk})
    assert ScoreModel.objects.get(is_active=True) == newer


def test_a_review_outcome_where_nothing_can_be_reviewed_becomes_an_alert(investor):
    from peerfund.core.models import Alert
    from peerfund.funds.services.deposits import deposit_order_create

    Rule.objects.create(event="deposit", name="watch big deposits", condition="amount_fen >= 100000", action="review", priority=5)
    order = deposit_order_create(user=investor, amount_fen=200_000, key="watched")
    assert order.status == "awaiting_payment"
    assert Alert.objects.filter(kind="risk.deposit").exists()
