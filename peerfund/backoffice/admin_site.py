"""Django's admin stays for superusers only (everyone else works in the console,
where each view has its permission), and every change made there joins the audit
log next to the console's own actions."""
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class SuperuserAdminSite(admin.AdminSite):
    site_header = "PeerFund — Django admin (superusers)"

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser


class PeerFundAdminConfig(AdminConfig):
    default_site = "peerfund.backoffice.admin_site.SuperuserAdminSite"


def audit_admin_change(sender, instance, created, **kwargs):
    """Copy each admin LogEntry into the audit log. A receiver, because LogEntry is
    written by Django's own admin code, which offers no other hook for every model."""
    from peerfund.core.models import AuditLog

    if not created:
        return
    AuditLog.objects.create(
        actor_id=instance.user_id, action=f"admin.{ {1: 'add', 2: 'change', 3: 'delete'}.get(instance.action_flag, 'other') }",
        object_type=f"{instance.content_type.app_label}.{instance.content_type.model}" if instance.content_type_id else "",
        object_id=str(instance.object_id or ""), reason=instance.get_change_message()[:500], data={"repr": instance.object_repr},
    )
