from django.apps import AppConfig


class CrowdfundingConfig(AppConfig):
    name = "peerfund.crowdfunding"
    label = "crowdfunding"
    verbose_name = "Reward crowdfunding"
