"""Customer service: the user 360° view and tickets."""
import pytest
from django.test import Client

from peerfund.backoffice.models import Ticket
from peerfund.core.audit import audit_trail

pytestmark = pytest.mark.django_db


def test_a_ticket_goes_back_and_forth_and_is_closed(investor, other_investor, staff_with):
    user = Client()
    user.force_login(investor)
    bad = user.post("/me/support/", {"topic": "funds", "subject": "", "body": "提现没到账"})
    assert bad.status_code == 200 and "subject" in bad.context["form"].errors
    user.post("/me/support/", {"topic": "funds", "subject": "提现未到账", "body": "昨天提现 ¥500 还没到账。"})
    ticket = Ticket.objects.get()
    other = Client()
    other.force_login(other_investor)
    assert other.get(f"/me/support/{ticket.pk}/").status_code == 404

    service = Client()
    service.force_login(staff_with("customer_service"))
    assert "提现未到账" in service.get("/backoffice/tickets/").content.decode()
    service.post(f"/backoffice/tickets/{ticket.pk}/", {"body": "已联系银行，今天到账。"})
    ticket.refresh_from_db()
    assert ticket.status == "answered" and ticket.assignee.username == "staff-customer_service"
    assert investor.messages.filter(event="ticket.answered").exists()
    user.post(f"/me/support/{ticket.pk}/", {"body": "收到了，谢谢"})
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.messages.count() == 3
    service.post(f"/backoffice/tickets/{ticket.pk}/", {"close": "1"})
    assert Ticket.objects.get().status == "closed"
    assert [row.action for row in audit_trail(ticket)] == ["ticket.answered", "ticket.closed"]


def test_the_360_view_shows_the_users_whole_picture_masked(investor, staff_with):
    from peerfund.backoffice.tickets import ticket_open

    ticket_open(user=investor, topic="account", subject="改手机号", body="怎么改？")
    client = Client()
    client.force_login(staff_with("customer_service"))
    page = client.get(f"/backoffice/users/{investor.pk}/")
    html = page.content.decode()
    assert 'data-testid="user-360"' in html and "改手机号" in html
    identity = investor.verifications.get(status="verified")
    assert identity.id_number not in html and identity.real_name not in html


def test_users_open_and_follow_tickets_through_the_api(investor, other_investor, api_client_for):
    import json

    api = api_client_for(investor)
    bad = api.post("/api/v1/me/support/tickets", json.dumps({"topic": "nope", "subject": "x", "body": "y"}), content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "ticket.subject"
    created = api.post("/api/v1/me/support/tickets", json.dumps({"topic": "lending", "subject": "还款日", "body": "可以改吗？"}), content_type="application/json")
    ticket_id = created.json()["id"]
    reply = api.post(f"/api/v1/me/support/tickets/{ticket_id}/messages", json.dumps({"body": "补充"}), content_type="application/json")
    assert [m["body"] for m in reply.json()["messages"]] == ["可以改吗？", "补充"]
    other = api_client_for(other_investor)
    assert other.post(f"/api/v1/me/support/tickets/{ticket_id}/messages", json.dumps({"body": "x"}), content_type="application/json").status_code == 404
    assert other.get("/api/v1/me/support/tickets").json() == []
