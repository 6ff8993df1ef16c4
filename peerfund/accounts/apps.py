from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "peerfund.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from peerfund.accounts import receivers  # noqa: F401
