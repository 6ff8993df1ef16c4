from django.apps import AppConfig


class LendingConfig(AppConfig):
    name = "peerfund.lending"
    label = "lending"
    verbose_name = "Lending marketplace"
