from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "peerfund.web"
    label = "web"
    verbose_name = "Web"
