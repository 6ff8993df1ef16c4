from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BackofficeConfig(AppConfig):
    name = "peerfund.backoffice"
    label = "backoffice"
    verbose_name = "Back office"

    def ready(self):
        from peerfund.backoffice.roles import roles_sync_after_migrate

        post_migrate.connect(roles_sync_after_migrate, sender=self)
