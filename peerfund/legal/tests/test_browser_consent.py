"""In a real browser: sign-up needs the agreement box; an investor is taken to the
consent page before bidding, accepts, comes back and bids."""
import pytest

from peerfund.legal.models import Acceptance
from peerfund.legal.services import document_draft_start, document_publish, document_submit
from peerfund.lending.models import Bid
from peerfund.tests_support.consent import publish_version_1
from peerfund.tests_support.people import TRADE_PASSWORD
from tests.browser import browser_login
from tests.conftest import page, pytest_runtest_makereport  # noqa: F401 (the browser fixture and its failure screenshots)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_needs_the_box_and_a_first_bid_goes_through_the_consent_page(page, live_server, investor, listed_loan, staff_with,  # noqa: F811
                                                                               django_capture_on_commit_callbacks):
    from peerfund.tests_support.money import pay_deposit

    publish_version_1()
    page.goto("/accounts/signup/")
    assert page.get_attribute("[data-testid=doc-user_agreement]", "href") == "/legal/user_agreement/"
    page.fill("#id_phone", "139 1234 5678")
    page.fill("#id_password1", "Sup3r-secret-pw")
    page.fill("#id_password2", "Sup3r-secret-pw")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.is_visible("[data-testid=agree-error]")
    page.fill("#id_password1", "Sup3r-secret-pw")
    page.fill("#id_password2", "Sup3r-secret-pw")
    page.check("#id_agree")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert sorted(Acceptance.objects.filter(action="signup").values_list("version__kind", flat=True)) == ["privacy_policy", "user_agreement"]

    # A new risk disclosure is published: whatever the investor accepted before, they are asked again.
    maker, checker = staff_with("operations", "writer"), staff_with("admin", "publisher")
    draft = document_draft_start(staff=maker, kind="risk_disclosure")
    document_submit(staff=maker, version=draft)
    document_publish(staff=checker, version=draft)
    pay_deposit(investor, 100_000, django_capture_on_commit_callbacks, key="d")

    browser_login(page, live_server.url, "investor")
    page.goto(f"/loans/{listed_loan.pk}/")
    page.fill("#id_amount", "100")
    page.fill("#id_trade_password", TRADE_PASSWORD)
    with page.expect_navigation():
        page.click("[data-testid=bid-form] button[type=submit]")
    assert "/legal/accept/" in page.url and page.is_visible("[data-testid=consent-doc-risk_disclosure]")
    assert "出借人可能损失部分或全部本金" in page.text_content("[data-testid=consent-doc-risk_disclosure]")
    page.check("#id_agree")
    with page.expect_navigation():
        page.click("[data-testid=consent-submit]")
    assert page.url.endswith(f"/loans/{listed_loan.pk}/")
    assert Acceptance.objects.filter(user=investor, version=draft).exists()

    page.fill("#id_amount", "100")
    page.fill("#id_trade_password", TRADE_PASSWORD)
    with page.expect_navigation():
        page.click("[data-testid=bid-form] button[type=submit]")
    assert Bid.objects.filter(investor=investor, amount_fen=10_000).exists()
