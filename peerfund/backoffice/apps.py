from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BackofficeConfig(AppConfig):
    name = "peerfund.backoffice"
    label = "backoffice"
    verbose_name = "Back office"

    def ready(self):
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        from peerfund.backoffice.admin_site import audit_admin_change
        from peerfund.backoffice.roles import roles_sync_after_migrate

        post_migrate.connect(roles_sync_after_migrate, sender=self)
        post_save.connect(audit_admin_change, sender=LogEntry, dispatch_uid="audit_admin_change")
