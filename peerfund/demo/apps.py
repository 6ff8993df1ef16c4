from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "peerfund.demo"
    label = "demo"
    verbose_name = "Demo platform"
