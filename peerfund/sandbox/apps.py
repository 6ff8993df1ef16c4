from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "peerfund.sandbox"
    label = "sandbox"
    verbose_name = "Sandbox (simulated outside parties)"
