from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "peerfund.disclosure"
    label = "disclosure"
    verbose_name = "Information disclosure"
