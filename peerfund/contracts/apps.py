from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "peerfund.contracts"
    label = "contracts"
    verbose_name = "Contracts and evidence"
