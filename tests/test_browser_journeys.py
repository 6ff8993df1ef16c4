"""Main journeys in a real browser: log in, deposit through the custodian, see the
balance; a bad amount gets a field error; switch the language."""
import pytest

from peerfund.custody.services import custody_account_open, platform_accounts_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def investor(make_user):
    platform_accounts_open()
    user = make_user(username="lina", display_name="李娜")
    custody_account_open(user=user)
    return user


def _log_in(page, username="lina"):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct-horse-9")
    page.click("button[type=submit]")
    page.wait_for_url("**/account/")


def test_investor_logs_in_and_deposits(page, investor):
    _log_in(page)
    assert page.text_content("[data-testid=available-balance]").strip() == "¥0.00"
    page.fill("input[name=amount]", "1,234.56")
    page.click("form button.btn-primary")
    page.wait_for_selector(".alert-success")
    assert page.text_content("[data-testid=available-balance]").strip() == "¥1,234.56"
    assert "充值" in page.text_content("[data-testid=postings]")


def test_a_bad_amount_is_explained_next_to_the_field(page, investor):
    _log_in(page)
    page.fill("input[name=amount]", "12.345")
    page.click("form button.btn-primary")
    assert "两位小数" in page.text_content("[data-testid=amount-error]")
    assert page.text_content("[data-testid=available-balance]").strip() == "¥0.00"


def test_switch_to_english(page, investor):
    page.goto("/")
    assert "银行存管" in page.content()
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert "custodian bank" in page.content()
