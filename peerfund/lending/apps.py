from django.apps import AppConfig


class LendingConfig(AppConfig):
    name = "peerfund.lending"
    label = "lending"
    verbose_name = "Lending marketplace"

    def ready(self):
        from peerfund.funds.selectors import register_asset_source
        from peerfund.lending.returns import lending_assets

        register_asset_source(lending_assets)
