from django.apps import AppConfig


class CobConfig(AppConfig):
    name = "peerfund.cob"
    label = "cob"
    verbose_name = "Daily close"

    def ready(self):
        # Each app lists its steps in a `close_steps` module.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("close_steps")
