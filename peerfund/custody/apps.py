from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "peerfund.custody"
    label = "custody"
    verbose_name = "Custody"

    def ready(self):
        from peerfund.custody.reconciliation import ledger_matches_custodian
        from peerfund.ledger.invariants import register_check

        register_check("ledger_matches_custodian", ledger_matches_custodian)
