from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "peerfund.cms"
    label = "cms"
    verbose_name = "Content"
