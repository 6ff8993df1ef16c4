"""The lending journey in a real browser: a borrower accepts the application's
documents, sees the all-in cost before applying, two staff review, the loan lists and
fills (one investor by auto-invest), two staff approve the disbursement, and lender and
borrower find the contract and the schedules (interest and service fee apart). The
books are checked after the test like after every test (ledger invariants and the
custodian)."""
import re
from decimal import Decimal

import pytest

from peerfund.core.money import format_fen
from peerfund.ledger.selectors import user_balances
from peerfund.lending.cost import quote
from peerfund.lending.forms import ApplicationForm
from peerfund.lending.models import Loan, LoanProduct, RepaymentInstalment
from peerfund.lending.schedules import Method
from peerfund.lending.services.auto_invest import auto_invest_rule_save
from peerfund.risk.features import QUESTIONS
from peerfund.tests_support.applications import GOOD
from peerfund.tests_support.consent import publish_version_1
from peerfund.tests_support.money import committing, pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, onboard
from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cast(make_user, active_model, staff_with, settings):
    from peerfund.custody.services import platform_accounts_open

    settings.PEERFUND_COOLING_OFF_DAYS = 0
    platform_accounts_open()
    publish_version_1()  # the flushed database lost the published legal documents
    people = {}
    for index, name in enumerate(["borrower", "lender1", "lender2", "lender3"]):
        user = make_user(username=name)
        # The borrower accepts the application's documents on the consent page, in the browser.
        onboard(user, identity=[3, 0, 1, 2][index], accept=name != "borrower")
        people[name] = user
    for name in ("lender1", "lender2", "lender3"):
        pay_deposit(people[name], 200_000, committing, key=f"seed-{name}")
    people["first"] = staff_with("risk", "first-reviewer")
    people["final"] = staff_with("risk", "final-reviewer")
    LoanProduct.objects.create(
        name="E2E 工薪贷", min_amount_fen=50_000, max_amount_fen=1_000_000, terms_months=[6], method=Method.EQUAL_INSTALMENT,
        rate_min=Decimal("0.06"), rate_max=Decimal("0.08"), service_fee_rate=Decimal("0.005"), max_per_investor_fen=500_000,
        penalty_rate_daily=Decimal("0.00010"), required_documents=["id"], required_risk_level="C1",
    )
    auto_invest_rule_save(
        investor=people["lender3"], rate_min=Decimal("0.05"), rate_max=Decimal("0.20"), months_min=1, months_max=12,
        grades=["A", "B", "C", "D", "E"], amount_per_loan_fen=30_000, keep_balance_fen=0,
    )
    return people


def test_apply_review_list_bid_disburse_and_find_the_contract(page, live_server, cast, tmp_path):
    # The borrower applies, with an ID document: first the consent page asks for the
    # credit-report authorisation and the lending service agreement.
    document = tmp_path / "id.pdf"
    document.write_bytes(b"%PDF-1.4\n% e2e\n")
    browser_login(page, live_server.url, "borrower")
    page.goto(f"{live_server.url}/loans/apply/")
    assert "/legal/accept/" in page.url
    assert page.is_visible("[data-testid=consent-doc-credit_authorisation]") and page.is_visible("[data-testid=consent-doc-lending_service]")
    page.check("#id_agree")
    with page.expect_navigation():
        page.click("[data-testid=consent-submit]")
    assert page.url.endswith("/loans/apply/")
    product = LoanProduct.objects.get(name="E2E 工薪贷")
    page.select_option("#id_product", label=product.name)
    page.fill("#id_amount", "1,000")
    page.fill("#id_months", "6")
    page.press("#id_months", "Tab")
    # The live quote shows the all-in annual cost (at the product's highest rate) before submitting.
    expected = quote(product, 100_000, 6)
    page.wait_for_selector("[data-testid=quote-all-in]")
    assert page.text_content("[data-testid=quote-all-in]").strip() == f"{(expected.all_in_apr * 100).quantize(Decimal('0.01'))}%"
    assert expected.all_in_apr > Decimal("0.08")  # above the rate: the fee counts
    for question in QUESTIONS:
        selector = f"#id_{ApplicationForm.field_name(question.name)}"
        answer = "no" if question.name == "student" else GOOD[question.name]
        if question.numeric and not question.options:
            page.fill(selector, str(answer))
        else:
            page.select_option(selector, str(answer))
    page.set_input_files("#id_id", str(document))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/loans/my-applications/" in page.url

    # Two different staff members review it.
    for reviewer, button in (("first-reviewer", "button[value=approve]"), ("final-reviewer", "button[value=approve]")):
        page.context.clear_cookies()
        browser_login(page, live_server.url, reviewer)
        page.goto(f"{live_server.url}/backoffice/lending/applications/")
        with page.expect_navigation():
            page.click(f"[data-testid=application-queue] {button}")
    loan = Loan.objects.get(borrower=cast["borrower"])
    assert loan.title == "二手车"  # the purpose chosen on the form
    assert loan.status == Loan.Status.LISTED and loan.left_fen == 70_000  # lender3's auto-invest took ¥300

    # Two investors bid by hand and fill it.
    for lender, amount in (("lender1", "500"), ("lender2", "200")):
        page.context.clear_cookies()
        browser_login(page, live_server.url, lender)
        page.goto(f"{live_server.url}/loans/{loan.pk}/")
        page.fill("#id_amount", amount)
        page.fill("#id_trade_password", TRADE_PASSWORD)
        with page.expect_navigation():
            page.click("[data-testid=bid-form] button[type=submit]")
    loan.refresh_from_db()
    assert loan.status == Loan.Status.FULL

    # Full review: one asks, the other approves.
    page.context.clear_cookies()
    browser_login(page, live_server.url, "first-reviewer")
    page.goto(f"{live_server.url}/backoffice/lending/disbursements/")
    with page.expect_navigation():
        page.click("[data-testid=full-loans] button")
    page.context.clear_cookies()
    browser_login(page, live_server.url, "final-reviewer")
    page.goto(f"{live_server.url}/backoffice/lending/disbursements/")
    with page.expect_navigation():
        page.click("[data-testid=disbursement-queue] button[value=approve]")
    loan.refresh_from_db()
    assert loan.status == Loan.Status.DISBURSED

    # The lender finds the contract, which opens as a PDF; the borrower sees the plan.
    page.context.clear_cookies()
    browser_login(page, live_server.url, "lender1")
    page.goto(f"{live_server.url}/loans/my-investments/")
    href = page.get_attribute("[data-testid=contract-link]", "href")
    pdf = page.request.get(f"{live_server.url}{href}")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    page.context.clear_cookies()
    browser_login(page, live_server.url, "borrower")
    page.goto(f"{live_server.url}/loans/my-loans/")
    plan = page.text_content("[data-testid=my-loan]")
    assert len(re.findall(r"\d{4}-\d{2}-\d{2}", plan)) == 6
    assert user_balances(cast["borrower"])["user_available"] == 100_000  # the whole loan, no fee taken from it
    fees = [cell.strip() for cell in page.locator("[data-testid=instalment-fee]").all_text_contents()]
    instalments = RepaymentInstalment.objects.filter(loan=loan).order_by("number")
    assert fees == [format_fen(i.fee_fen) for i in instalments] and all(i.fee_fen > 0 for i in instalments)
