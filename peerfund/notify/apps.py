from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "peerfund.notify"
    label = "notify"
    verbose_name = "Message centre"
