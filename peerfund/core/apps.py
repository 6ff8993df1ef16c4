from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "peerfund.core"
    label = "core"
    verbose_name = "Core"
