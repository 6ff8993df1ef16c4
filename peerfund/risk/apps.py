from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "peerfund.risk"
    label = "risk"
    verbose_name = "Risk control"
