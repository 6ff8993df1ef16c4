"""Sandbox SMS gateway and e-mail backend: both keep what they send in the
OutboundMessage outbox (shown to staff at /backoffice/outbox/) instead of sending."""
from django.core.mail.backends.base import BaseEmailBackend

from peerfund.sandbox.models import OutboundMessage


class SandboxSms:
    """Same interface as a real SMS provider adapter: send(to=, text=)."""

    def send(self, *, to: str, text: str) -> str:
        message = OutboundMessage.objects.create(channel=OutboundMessage.Channel.SMS, recipient=to, body=text)
        return f"SMS{message.pk}"


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            OutboundMessage.objects.bulk_create(
                OutboundMessage(channel=OutboundMessage.Channel.EMAIL, recipient=to, subject=message.subject, body=message.body)
                for to in message.recipients()
            )
        return len(email_messages)
