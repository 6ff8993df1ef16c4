"""Staff roles as Django groups, each a least-privilege set of back-office
permissions. Kept in sync after every migrate."""
from django.contrib.auth.models import Group, Permission

ROLES: dict[str, tuple[str, ...]] = {
    "operations": (
        "view_users", "review_withdrawals", "view_outbox", "manage_products", "review_projects", "manage_crowdfunding",
        "view_dashboard", "acknowledge_alerts", "request_adjustments", "manage_content", "pause_operations",
    ),
    "risk": (
        "view_users", "freeze_users", "approve_freeze", "review_verifications", "manage_risk", "handle_aml",
        "review_loans", "review_projects", "view_dashboard", "acknowledge_alerts",
    ),
    "finance": (
        "view_users", "review_withdrawals", "view_reconciliation", "view_dashboard", "acknowledge_alerts",
        "request_adjustments", "approve_adjustments",
    ),
    "customer_service": (
        "view_users", "view_personal_data", "view_outbox", "handle_complaints",
    ),
    "compliance": (
        "view_users", "view_personal_data", "freeze_users", "approve_freeze", "review_verifications", "view_audit",
        "handle_aml", "view_dashboard", "pause_operations",
    ),
    "auditor": (
        "view_users", "view_audit", "view_reconciliation", "view_dashboard",
    ),
    "collection": (
        "view_users", "view_personal_data", "collect_debts",
    ),
    "admin": (
        "view_users", "view_personal_data", "freeze_users", "approve_freeze", "review_verifications",
        "review_withdrawals", "view_outbox", "view_reconciliation", "view_audit", "manage_risk", "handle_aml",
        "manage_products", "review_loans", "collect_debts", "review_projects", "manage_crowdfunding",
        "handle_complaints", "view_dashboard", "acknowledge_alerts", "request_adjustments", "approve_adjustments",
        "manage_content", "pause_operations",
    ),
}


def roles_sync() -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    create_permissions(apps.get_app_config("backoffice"), verbosity=0)
    perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="backoffice")}
    for role, codenames in ROLES.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([perms[c] for c in codenames])


def roles_sync_after_migrate(sender, **kwargs):
    roles_sync()


def staff_with_role(user, role: str) -> None:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=role))
