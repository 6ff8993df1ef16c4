"""Main journeys in a real browser (Playwright on Debian's Chromium)."""
import datetime as dt
import re

import pytest

from peerfund.core import clock
from peerfund.sandbox.models import OutboundMessage
from peerfund.tests_support.consent import publish_version_1
from peerfund.tests_support.people import TRADE_PASSWORD, card_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def platform_open(db):
    from peerfund.custody.services import platform_accounts_open

    platform_accounts_open()


def _sms_code(phone: str) -> str:
    sms = OutboundMessage.objects.filter(channel="sms", recipient=phone).first()
    return re.search(r"(?<!\d)(\d{6})(?!\d)", sms.body).group(1)


def _fill_and_submit(page, fields: dict, button: str = "main button[type=submit]", check: tuple = ()):
    for selector, value in fields.items():
        page.fill(selector, value)
    for selector in check:
        page.check(selector)
    with page.expect_navigation():
        page.click(button)


def test_register_verify_bind_assess_deposit_withdraw(page, platform_open):
    clock.travel_to(dt.date(2026, 3, 2))
    publish_version_1()  # the flushed database lost the published agreements
    # Register with a mobile number and the SMS code, accepting the agreements.
    page.goto("/accounts/signup/")
    _fill_and_submit(page, {"#id_phone": "139 1234 5678", "#id_password1": "Sup3r-secret-pw", "#id_password2": "Sup3r-secret-pw"},
                     check=("#id_agree",))
    page.fill("#id_code", _sms_code("+8613912345678"))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/account/" in page.url
    assert page.is_visible("[data-testid=onboarding]")

    # Verify identity: a wrong checksum first, then the real one.
    page.goto("/me/verify/")
    _fill_and_submit(page, {"#id_real_name": "李娜", "#id_id_number": "110101199003071234"})
    assert page.is_visible("[data-testid=id_number-error]")
    _fill_and_submit(page, {"#id_real_name": "李娜", "#id_id_number": "110101199003071233"})
    assert page.url.endswith("/me/cards/")

    # Bind a card, set the trade password, take the assessment.
    _fill_and_submit(page, {"#id_card_number": card_number(serial=123), "#id_holder_name": "李娜"})
    assert "工商银行" in page.text_content("[data-testid=cards]")
    page.goto("/me/security/")
    _fill_and_submit(page, {"#id_new": TRADE_PASSWORD, "#id_confirm": TRADE_PASSWORD})
    page.goto("/me/risk/")
    for radio in page.query_selector_all("[data-testid=risk-form] input[type=radio][value='2']"):
        radio.check()
    with page.expect_navigation():
        page.click("[data-testid=risk-form] button[type=submit]")
    assert "C4" in page.text_content("[data-testid=risk-level]") or "C3" in page.text_content("[data-testid=risk-level]")

    # Deposit ¥10,000 on the sandbox payment page.
    page.goto("/funds/deposit/")
    _fill_and_submit(page, {"#id_amount": "10,000"})
    assert page.text_content("[data-testid=pay-amount]").strip() == "¥10,000.00"
    with page.expect_navigation():
        page.click("button[value=pay]")
    assert page.text_content("[data-testid=deposit-status]").strip() == "成功"

    # Three days later (the cooling-off period), withdraw ¥1,000.
    clock.travel_to(dt.date(2026, 3, 5))
    page.goto("/funds/withdraw/")
    _fill_and_submit(page, {"#id_amount": "1000", "#id_trade_password": TRADE_PASSWORD})
    assert page.is_visible(".alert-success")
    assert "成功" in page.text_content("[data-testid=withdrawals]")

    page.goto("/funds/history/")
    history = page.text_content("[data-testid=history]")
    assert "充值" in history and "提现" in history and "¥10,000.00" in history and "-¥1,000.00" in history
    page.goto("/account/")
    assert page.text_content("[data-testid=available-balance]").strip() == "¥9,000.00"
    assert not page.is_visible("[data-testid=onboarding]")


def test_a_second_user_gets_404_on_the_first_users_objects(page, investor, other_investor, api_client_for):
    from peerfund.funds.services.deposits import deposit_order_create

    order = deposit_order_create(user=investor, amount_fen=50_000, key="private")
    page.goto("/accounts/login/")
    _fill_and_submit(page, {"#id_login": other_investor.username, "#id_password": "correct-horse-9"})
    response = page.goto(f"/funds/deposit/{order.order_no}/")
    assert response.status == 404
    response = page.goto(f"/api/v1/funds/deposits/{order.order_no}")
    assert response.status == 404
    card_action = page.request.post(f"/me/cards/{investor.card.pk}/remove/", headers={"X-CSRFToken": page.context.cookies()[0]["value"]})
    assert card_action.status in (403, 404)
    assert api_client_for(other_investor).get(f"/api/v1/funds/deposits/{order.order_no}").status_code == 404


def test_switch_to_english(page, db):
    page.goto("/")
    assert "银行存管" in page.content()
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert "custodian bank" in page.content()
