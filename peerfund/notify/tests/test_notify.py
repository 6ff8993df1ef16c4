"""notify(): in-site message always available for reading, SMS and e-mail copies after
commit on the channels the user chose; security notices cannot be switched off."""
from peerfund.notify.models import Message
from peerfund.notify.selectors import unread_count
from peerfund.notify.services import message_mark_read, notify, preference_set
from peerfund.sandbox.models import OutboundMessage


def test_channels_follow_preferences(owner, django_capture_on_commit_callbacks, mailoutbox):
    owner.email = "owner@example.com"
    preference_set(user=owner, event="deposit.succeeded", site=True, sms=False, email=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=owner, event="deposit.succeeded", context={"amount": "¥8.00"})
    assert unread_count(owner) == 1
    (email,) = mailoutbox  # the test runner swaps the sandbox outbox backend for locmem
    assert email.to == ["owner@example.com"] and "¥8.00" in email.body
    assert not OutboundMessage.objects.filter(channel="sms").exists()


def test_security_notices_ignore_opt_outs(owner, django_capture_on_commit_callbacks):
    preference_set(user=owner, event="login.new_device", site=False, sms=False, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=owner, event="login.new_device", context={"city": "上海", "time": "2026-11-24 10:00"})
    assert Message.objects.filter(user=owner, event="login.new_device").exists()
    assert OutboundMessage.objects.get(channel="sms").recipient == owner.phone


def test_nothing_is_sent_when_the_transaction_rolls_back(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(user=owner, event="withdrawal.succeeded", context={"amount": "¥1.00", "last4": "1234"})
    assert len(callbacks) == 1 and not OutboundMessage.objects.exists()


def test_mark_read(owner):
    for _ in range(3):
        notify(user=owner, event="account.unfrozen")
    first = Message.objects.filter(user=owner).first()
    assert message_mark_read(user=owner, message_id=first.pk) == 1
    assert unread_count(owner) == 2
    assert message_mark_read(user=owner) == 2


def test_the_sandbox_email_backend_keeps_an_outbox(db):
    from django.core.mail import EmailMessage

    from peerfund.sandbox.outbox import OutboxEmailBackend

    OutboxEmailBackend().send_messages([EmailMessage("Code", "Your code is 123456", to=["a@example.com"])])
    stored = OutboundMessage.objects.get(channel="email")
    assert (stored.recipient, stored.subject, stored.body) == ("a@example.com", "Code", "Your code is 123456")


def test_preferences_through_the_api(owner, api_client_for):
    import json

    client = api_client_for(owner)
    rows = {row["event"]: row for row in client.get("/api/v1/me/messages/preferences").json()}
    assert rows["login.new_device"]["mandatory"] and rows["deposit.succeeded"]["sms"] is True
    body = json.dumps({"site": True, "sms": False, "email": True})
    updated = client.put("/api/v1/me/messages/preferences/deposit.succeeded", data=body, content_type="application/json")
    assert updated.status_code == 200 and updated.json()["email"] is True
    refused = client.put("/api/v1/me/messages/preferences/login.new_device", data=body, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "notify.mandatory"
    assert client.put("/api/v1/me/messages/preferences/nope", data=body, content_type="application/json").status_code == 404
