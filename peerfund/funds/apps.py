from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "peerfund.funds"
    label = "funds"
    verbose_name = "Funds"

    def ready(self):
        from peerfund.custody.outcomes import register_outcome_handler
        from peerfund.funds.services.deposits import deposit_order_settle
        from peerfund.funds.services.withdrawals import withdrawal_settle

        register_outcome_handler("deposit_order:", deposit_order_settle)
        register_outcome_handler("withdrawal:", withdrawal_settle)
