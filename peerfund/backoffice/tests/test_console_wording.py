"""The console's Chinese reads as staff expect: a date range is 从…至…, not 收件人 (the
recipient of a message), and the outbox's message column is the message sent."""
from django.utils import translation


def test_the_audit_date_filter_reads_from_and_to(client, staff_with):
    client.force_login(staff_with("auditor"))
    with translation.override("zh-hans"):
        page = client.get("/backoffice/audit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "至" in page and "收件人" not in page


def test_the_outbox_columns_name_the_recipient_and_the_message_sent(client, staff_with):
    client.force_login(staff_with("admin"))
    with translation.override("zh-hans"):
        page = client.get("/backoffice/outbox/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "收件人" in page and "消息内容" in page
