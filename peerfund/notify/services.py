"""`notify()`: tell a user about an event on the channels they chose. Called by every
capability's services; sending happens after the caller's transaction commits."""
import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.module_loading import import_string

from peerfund.core import clock
from peerfund.notify.events import EVENTS, render
from peerfund.notify.models import Message, Preference

logger = logging.getLogger(__name__)


def sms_adapter():
    return import_string(settings.PEERFUND_SMS_ADAPTER)()


def channels_for(user, event_name: str) -> dict[str, bool]:
    event = EVENTS[event_name]
    chosen = Preference.objects.filter(user=user, event=event_name).first()
    channels = {"site": event.site, "sms": event.sms, "email": event.email}
    if chosen is not None and not event.mandatory:
        channels = {"site": chosen.site, "sms": chosen.sms, "email": chosen.email}
    return channels


def notify(*, user, event: str, context: dict[str, Any] | None = None, url: str = "") -> Message | None:
    """Record the in-site message and queue SMS / e-mail copies (in the platform's
    default language) for after the caller's transaction commits."""
    context = {key: str(value) for key, value in (context or {}).items()}
    with translation.override(settings.LANGUAGE_CODE):
        title, body = render(event, context)
    channels = channels_for(user, event)
    message = None
    if channels["site"]:
        message = Message.objects.create(user=user, event=event, context=context, url=url)
    phone, email = user.phone, user.email

    def send_copies():
        if channels["sms"] and phone:
            sms_adapter().send(to=phone, text=f"【PeerFund】{title}：{body}")
        if channels["email"] and email:
            send_mail(title, body, None, [email], fail_silently=True)

    transaction.on_commit(send_copies)
    return message


def message_mark_read(*, user, message_id: int | None = None) -> int:
    """Mark one (or, with None, every) unread message of the user as read."""
    messages = Message.objects.filter(user=user, read_at__isnull=True)
    if message_id is not None:
        messages = messages.filter(pk=message_id)
    return messages.update(read_at=clock.now())


def preference_set(*, user, event: str, site: bool, sms: bool, email: bool) -> Preference:
    if event not in EVENTS:
        raise KeyError(event)
    preference, _created = Preference.objects.update_or_create(
        user=user, event=event, defaults={"site": site, "sms": sms, "email": email}
    )
    return preference
