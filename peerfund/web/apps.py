from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "peerfund.web"
    label = "web"
    verbose_name = "Web"

    def ready(self):
        from peerfund.web import checks  # noqa: F401 (registers the production checks)
