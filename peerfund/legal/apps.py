from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "peerfund.legal"
    label = "legal"
    verbose_name = "Legal documents and consent"
