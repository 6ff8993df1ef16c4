"""The message centre: in-site messages and each user's channel preferences."""
from django.conf import settings
from django.db import models


class Message(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    event = models.CharField(max_length=60)
    # Rendered when shown, so each reader sees the message in their own language.
    context = models.JSONField(default=dict)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.event} to {self.user_id}"

    @property
    def title(self) -> str:
        from peerfund.notify.events import render

        return render(self.event, self.context)[0]

    @property
    def body(self) -> str:
        from peerfund.notify.events import render

        return render(self.event, self.context)[1]


class Preference(models.Model):
    """Which channels a user wants for one event; events without a row use the
    event's defaults (events.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_preferences")
    event = models.CharField(max_length=60)
    site = models.BooleanField(default=True)
    sms = models.BooleanField(default=False)
    email = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="notify_preference_unique")]

    def __str__(self) -> str:
        return f"{self.event} preference of {self.user_id}"
