"""The console and the disclosure page in a real browser: each role's menu holds
exactly its pages, a maker cannot approve their own request (the checker can), and a
user downloads their proof of liabilities and verifies it with the downloaded
verifier — Python's standard library only."""
import subprocess
import sys

import pytest

from peerfund.backoffice.menu import MENU
from peerfund.backoffice.models import ApprovalRequest
from peerfund.backoffice.roles import ROLES
from peerfund.cob.services import close_run
from peerfund.core import clock
from peerfund.custody.services import platform_accounts_open
from peerfund.ledger.models import Entry
from peerfund.tests_support.console import console_views
from peerfund.tests_support.money import committing, freeze, pay_deposit
from peerfund.tests_support.people import onboard
from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_sees_exactly_its_menu_and_gets_403_elsewhere(page, live_server, staff_with, role):
    staff_with(role)
    browser_login(page, live_server.url, f"staff-{role}")
    page.goto(f"{live_server.url}/backoffice/users/")
    shown = set(page.eval_on_selector_all("[data-testid=backoffice-nav] .dropdown-item", "links => links.map(a => a.getAttribute('data-testid'))"))
    assert shown == {f"menu-{item.url_name.replace(':', '')}" for _domain, items in MENU for item in items if item.permission in ROLES[role]}
    for name, view, path in console_views():  # with the browser's own session
        status = page.request.get(f"{live_server.url}{path}", max_redirects=0).status
        assert (status == 403) == (view.permission not in ROLES[role]), (role, name, status)


def test_dashboard_and_disclosure_show_the_demo_platforms_true_figures(page, live_server):
    """Over the demo data, read off the pages in the browser."""
    from django.core.management import call_command

    from peerfund.disclosure.figures import DISCLOSED
    from peerfund.tests_support.figures import independent_figures

    call_command("demo_load", "--days", "40")
    with committing():
        close_run(on=clock.business_date())
    expected = independent_figures()
    figures = {f.key: f for f in DISCLOSED}
    page.goto(f"{live_server.url}/disclosure/")
    rows = dict(page.eval_on_selector_all("[data-testid=disclosed-figures] tr", "rows => rows.map(r => [r.cells[0].innerText, r.cells[1].innerText])"))
    for key, value in expected.items():
        assert rows[str(figures[key].label)] == figures[key].show({key: value}), key
    browser_login(page, live_server.url, "finance", password="peerfund-demo")
    page.goto(f"{live_server.url}/backoffice/dashboard/")
    assert page.inner_text("[data-testid=live-outstanding_fen]") == figures["outstanding_fen"].show(expected)


def test_maker_cannot_approve_own_request_and_user_verifies_their_proof(page, live_server, make_user, staff_with, tmp_path):
    platform_accounts_open()
    user = make_user(username="lina")
    onboard(user, identity=0)
    pay_deposit(user, 100_000, committing, key="seed")
    entry = freeze(user, 20_000, committing, key="mistake")
    staff_with("finance", "maker")
    staff_with("finance", "checker")

    browser_login(page, live_server.url, "maker")
    page.goto(f"{live_server.url}/backoffice/approvals/")
    page.select_option("[data-testid=approval-form] select[name=kind]", "ledger_reversal")
    page.fill("[data-testid=approval-form] input[name=target]", str(entry.pk))
    page.fill("[data-testid=approval-form] input[name=reason]", "frozen by mistake")
    with page.expect_navigation():
        page.click("[data-testid=approval-form] button")
    request = ApprovalRequest.objects.get()
    assert not page.is_visible(f"[data-testid=approval-{request.pk}] [data-testid=approve]")
    browser_login(page, live_server.url, "checker")
    page.goto(f"{live_server.url}/backoffice/approvals/")
    with page.expect_navigation():
        page.click(f"[data-testid=approval-{request.pk}] [data-testid=approve]")
    assert Entry.objects.filter(reverses=entry).exists()

    with committing():
        close_run(on=clock.business_date())
    browser_login(page, live_server.url, "lina")
    page.goto(f"{live_server.url}/disclosure/")
    with page.expect_download() as proof_download:
        page.click("[data-testid=proof-link]")
    with page.expect_download() as verifier_download:
        page.click("[data-testid=verifier-link]")
    proof, verifier = tmp_path / "proof.json", tmp_path / "merkle.py"
    proof_download.value.save_as(proof)
    verifier_download.value.save_as(verifier)
    result = subprocess.run([sys.executable, "-I", "-S", str(verifier), str(proof)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "OK included" in result.stdout and "1000.00" in result.stdout
