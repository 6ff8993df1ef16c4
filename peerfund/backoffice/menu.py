"""The console's navigation, by domain. Each entry names the permission its view
declares, so a staff member sees exactly the pages their role opens (tested against
every view's own declaration)."""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Item:
    label: str
    url_name: str
    permission: str


MENU: list[tuple[str, list[Item]]] = [
    (_("Overview"), [
        Item(_("Dashboard"), "backoffice:dashboard", "view_dashboard"),
        Item(_("Queues"), "backoffice:index", "view_users"),
    ]),
    (_("Users"), [
        Item(_("Users"), "backoffice:users", "view_users"),
        Item(_("Verifications"), "backoffice:verifications", "review_verifications"),
        Item(_("Withdrawals"), "backoffice:withdrawals", "review_withdrawals"),
        Item(_("Tickets"), "backoffice:tickets", "handle_complaints"),
    ]),
    (_("Lending"), [
        Item(_("Loan products"), "lending_backoffice:products", "manage_products"),
        Item(_("Loan applications"), "lending_backoffice:applications", "review_loans"),
        Item(_("Full review"), "lending_backoffice:disbursements", "review_loans"),
        Item(_("Claims for sale"), "lending_backoffice:claims", "review_loans"),
        Item(_("Collection"), "lending_backoffice:collection", "collect_debts"),
        Item(_("Post-loan information"), "backoffice:post_loan_loans", "review_loans"),
    ]),
    (_("Crowdfunding"), [
        Item(_("Project review"), "crowdfunding_backoffice:review", "review_projects"),
        Item(_("Projects"), "crowdfunding_backoffice:projects", "review_projects"),
        Item(_("Categories"), "crowdfunding_backoffice:categories", "manage_crowdfunding"),
        Item(_("Complaints"), "crowdfunding_backoffice:complaints", "handle_complaints"),
    ]),
    (_("Risk"), [
        Item(_("Credit models"), "risk:models", "manage_risk"),
        Item(_("Rules"), "risk:rules", "manage_risk"),
        Item(_("Blacklist"), "risk:blacklist", "manage_risk"),
        Item(_("Risk decisions"), "risk:evaluations", "manage_risk"),
        Item(_("AML alerts"), "risk:aml", "handle_aml"),
    ]),
    (_("Finance"), [
        Item(_("Fund flows and reports"), "backoffice:finance", "view_reconciliation"),
        Item(_("Reconciliation"), "custody:reconciliation", "view_reconciliation"),
        Item(_("Daily close"), "cob:overview", "view_reconciliation"),
        Item(_("Approvals"), "backoffice:approvals", "request_adjustments"),
    ]),
    (_("Content"), [
        Item(_("Articles"), "cms_backoffice:list", "manage_content"),
        Item(_("Legal documents"), "legal_backoffice:list", "manage_content"),
    ]),
    (_("System"), [
        Item(_("Emergency switches"), "backoffice:switches", "pause_operations"),
        Item(_("Audit log"), "backoffice:audit", "view_audit"),
        Item(_("SMS / e-mail outbox"), "backoffice:outbox", "view_outbox"),
    ]),
]


def menu_for(user) -> list[tuple[str, list[Item]]]:
    """The domains and pages this staff member may open."""
    shown = []
    for domain, items in MENU:
        allowed = [item for item in items if user.has_perm(f"backoffice.{item.permission}")]
        if allowed:
            shown.append((domain, allowed))
    return shown
