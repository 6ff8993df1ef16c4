from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RiskConfig(AppConfig):
    name = "peerfund.risk"
    label = "risk"
    verbose_name = "Risk control"

    def ready(self):
        from peerfund.risk.default_rules import install_default_rules

        post_migrate.connect(install_default_rules, sender=self)
