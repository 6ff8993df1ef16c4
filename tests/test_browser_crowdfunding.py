"""The crowdfunding journeys in a real browser.

1. An owner creates a project in steps, machine review passes it, a reviewer
   publishes it; two backers pledge (one takes the last limited reward) and a third
   is refused; at the deadline it is settled with the fee, the first payout falls due
   at T+7 and two finance staff release it, the owner ships, the backers confirm, and
   the final payout completes it.
2. A project short of its goal: its backer gets every fen back.

The books are checked after each test like after every test (ledger invariants and
the custodian), and every daily reconciliation of the run is clean."""
import datetime as dt
from decimal import Decimal

import pytest

from peerfund.cob.services import close_until
from peerfund.core import clock
from peerfund.crowdfunding.models import Payout, Pledge, Project
from peerfund.crowdfunding.services.settlement import escrow_account, payout_plan
from peerfund.custody.models import ReconciliationReport
from peerfund.custody.services import platform_accounts_open
from peerfund.ledger.chart import AccountKind
from peerfund.ledger.selectors import user_balances
from peerfund.ledger.services import platform_account
from peerfund.tests_support.crowdfunding import address_of, png, published_project, release_due_payouts, subcategory
from peerfund.tests_support.money import committing, pay_deposit
from peerfund.tests_support.people import TRADE_PASSWORD, onboard
from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submit(page, selector="[data-testid=step-form] button[type=submit]"):
    with page.expect_navigation():
        page.click(selector)


@pytest.fixture
def cast(make_user, staff_with, settings):
    settings.PEERFUND_COOLING_OFF_DAYS = 0
    platform_accounts_open()
    people = {"owner": make_user(username="maker")}
    onboard(people["owner"], identity=2)
    for number, identity in enumerate((0, 1, 3)):
        backer = make_user(username=f"backer{number + 1}")
        onboard(backer, identity=identity)
        pay_deposit(backer, 100_000, committing, key=f"seed{number}")
        address_of(backer, province=("浙江", "广东", "北京")[number])
        people[f"backer{number + 1}"] = backer
    people["reviewer"] = staff_with("operations", "cf-reviewer")
    people["finance"] = (staff_with("finance", "finance-maker"), staff_with("finance", "finance-checker"))
    subcategory()
    return people


def _reconciliations_clean():
    reports = ReconciliationReport.objects.all()
    assert reports.exists() and not reports.filter(difference_count__gt=0).exists()


def test_create_review_pledge_settle_ship_confirm_and_pay_out(page, live_server, cast, tmp_path):
    cover = tmp_path / "cover.png"
    cover.write_bytes(png().read())
    browser_login(page, live_server.url, "maker")
    page.goto(f"{live_server.url}/projects/mine/")
    page.fill("#id_title", "智能台灯")
    _submit(page, "[data-testid=new-project-form] button[type=submit]")
    page.fill("#id_summary", "会自动调光的护眼台灯")
    page.select_option("#id_category", label="科技 / 智能硬件")
    page.set_input_files("#id_cover", str(cover))
    page.fill("#id_goal", "250")
    page.fill("#id_duration_days", "10")
    _submit(page)
    page.fill("#id_story", "<p>一盏会自动调光的台灯。</p>")
    _submit(page)
    for title, price, limit in (("限量版", "199", "1"), ("标准版", "99", "")):
        page.fill("#id_title", title)
        page.fill("#id_description", "台灯一盏")
        page.fill("#id_price", price)
        page.fill("#id_limit", limit)
        _submit(page)
    page.click("[data-testid=steps] a >> nth=3")
    page.fill("#id_risk_statement", "量产可能延期。")
    _submit(page)
    _submit(page, "[data-testid=submit-project]")
    project = Project.objects.get(title="智能台灯")
    assert project.status == Project.Status.IN_REVIEW

    browser_login(page, live_server.url, "cf-reviewer")
    page.goto(f"{live_server.url}/backoffice/crowdfunding/review/")
    _submit(page, f"[data-testid=review-{project.pk}] [data-testid=approve]")
    project.refresh_from_db()
    assert project.status == Project.Status.FUNDING

    limited, standard = project.tiers.get(title="限量版"), project.tiers.get(title="标准版")
    for backer, tier in (("backer1", standard), ("backer2", limited)):
        browser_login(page, live_server.url, backer)
        page.goto(f"{live_server.url}/projects/{project.pk}/")
        page.click(f"[data-testid=tier-{tier.pk}] a")
        page.fill("#id_trade_password", TRADE_PASSWORD)
        _submit(page, "[data-testid=pledge-form] button[type=submit]")
        assert "frozen" in page.content() or "冻结" in page.content()
    browser_login(page, live_server.url, "backer3")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    assert page.is_visible(f"[data-testid=tier-{limited.pk}] [data-testid=sold-out]")
    page.goto(f"{live_server.url}/projects/{project.pk}/pledge/{limited.pk}/")
    page.fill("#id_trade_password", TRADE_PASSWORD)
    _submit(page, "[data-testid=pledge-form] button[type=submit]")
    assert "sold out" in page.inner_text("[data-testid=form-error]") or "已售罄" in page.inner_text("[data-testid=form-error]")
    assert Pledge.objects.filter(project=project).count() == 2

    # The deadline passes; a week later the first payout is due, and two finance staff
    # release it in the back office.
    with committing():
        close_until(start=clock.business_date(), until=project.deadline + dt.timedelta(days=7))
    payout = Payout.objects.get(project=project, stage=1)
    assert payout.status == Payout.Status.DUE
    browser_login(page, live_server.url, "finance-maker")
    page.goto(f"{live_server.url}/backoffice/approvals/")
    _submit(page, f"[data-testid=request-payout-{payout.pk}]")
    browser_login(page, live_server.url, "finance-checker")
    page.goto(f"{live_server.url}/backoffice/approvals/")
    _submit(page, "[data-testid=pending-approvals] [data-testid=approve]")
    project.refresh_from_db()
    fee, first, final = payout_plan(298_00, Decimal("0.05"))
    assert project.status == Project.Status.SUCCESSFUL
    assert user_balances(cast["owner"])[AccountKind.USER_AVAILABLE] == first
    assert platform_account(AccountKind.PLATFORM_FEE).balance_fen == fee

    # The owner ships both rewards; the backers confirm.
    browser_login(page, live_server.url, "maker")
    page.goto(f"{live_server.url}/projects/{project.pk}/dashboard/")
    assert page.inner_text("[data-testid=owner-backers]") == "2"
    for number in range(2):
        row = page.locator("[data-testid=backers-table] tbody tr", has=page.locator("[data-testid=ship]")).first
        row.locator("input[name=carrier]").fill("顺丰")
        row.locator("input[name=tracking_no]").fill(f"SF10000{number}")
        with page.expect_navigation():
            row.locator("[data-testid=ship]").click()
    for backer in ("backer1", "backer2"):
        browser_login(page, live_server.url, backer)
        page.goto(f"{live_server.url}/projects/pledges/")
        _submit(page, "[data-testid=confirm]")
    with committing():
        close_until(start=clock.business_date(), until=clock.business_date())
        release_due_payouts(*cast["finance"])
    project.refresh_from_db()
    assert project.status == Project.Status.COMPLETED
    assert Payout.objects.filter(project=project, status=Payout.Status.PAID).count() == 2
    assert user_balances(cast["owner"])[AccountKind.USER_AVAILABLE] == first + final == 298_00 - fee
    assert escrow_account(project).balance_fen == 0
    _reconciliations_clean()


def test_a_failed_project_gives_every_backer_their_money_back(page, live_server, cast):
    project = published_project(cast["owner"], cast["reviewer"], goal_fen=10_000_00)
    browser_login(page, live_server.url, "backer1")
    page.goto(f"{live_server.url}/projects/{project.pk}/pledge/")
    page.fill("#id_amount", "300")
    page.fill("#id_trade_password", TRADE_PASSWORD)
    _submit(page, "[data-testid=pledge-form] button[type=submit]")
    assert user_balances(cast["backer1"])[AccountKind.USER_FROZEN] == 300_00
    with committing():
        close_until(start=clock.business_date(), until=project.deadline)
    page.goto(f"{live_server.url}/projects/pledges/")
    assert page.inner_text("[data-testid=pledge-status]") in ("Released (project failed)", "已退回（项目失败）")
    assert user_balances(cast["backer1"]) == {AccountKind.USER_AVAILABLE: 100_000, AccountKind.USER_FROZEN: 0}
    assert cast["backer1"].messages.filter(event="project.failed_backer").exists()
    _reconciliations_clean()
