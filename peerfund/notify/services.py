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
    return channels_for_many([user.pk], event_name)[user.pk]


def channels_for_many(user_ids, event_name: str) -> dict[int, dict[str, bool]]:
    """Each user's channels for an event: their preference, or the event's default."""
    event = EVENTS[event_name]
    default = {"site": event.site, "sms": event.sms, "email": event.email}
    channels = {pk: dict(default) for pk in user_ids}
    if not event.mandatory:
        for chosen in Preference.objects.filter(user_id__in=list(channels), event=event_name):
            channels[chosen.user_id] = {"site": chosen.site, "sms": chosen.sms, "email": chosen.email}
    return channels


def notify(*, user, event: str, context: dict[str, Any] | None = None, url: str = "") -> Message | None:
    """Record the in-site message and queue SMS / e-mail copies (in the platform's
    default language) for after the caller's transaction commits."""
    return notify_many(notices=[(user, context or {})], event=event, url=url)[0]


def notify_many(*, notices: list[tuple[Any, dict[str, Any]]], event: str, url: str = "") -> list[Message | None]:
    """`notify` for many (user, context) pairs of one event — a repayment's twenty
    investors — with one preference query and one insert."""
    contexts = [{key: str(value) for key, value in context.items()} for _user, context in notices]
    channels = channels_for_many({user.pk for user, _context in notices}, event)
    messages = Message.objects.bulk_create(
        Message(user=user, event=event, context=context, url=url)
        for (user, _c), context in zip(notices, contexts, strict=True) if channels[user.pk]["site"]
    )
    by_user = iter(messages)
    results = [next(by_user) if channels[user.pk]["site"] else None for user, _c in notices]
    copies = []
    with translation.override(settings.LANGUAGE_CODE):
        for (user, _c), context in zip(notices, contexts, strict=True):
            wanted = channels[user.pk]
            phone = user.phone if wanted["sms"] else ""
            email = user.email if wanted["email"] else ""
            if phone or email:
                copies.append((phone, email, *render(event, context)))

    def send_copies():
        for phone, email, title, body in copies:
            if phone:
                sms_adapter().send(to=phone, text=f"【PeerFund】{title}：{body}")
            if email:
                send_mail(title, body, None, [email], fail_silently=True)

    if copies:
        transaction.on_commit(send_copies)
    return results


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
