from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "peerfund.ledger"
    label = "ledger"
    verbose_name = "Ledger"
