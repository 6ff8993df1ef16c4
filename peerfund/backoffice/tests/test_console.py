"""The console as a whole: every back-office view declares its permission; each role
sees exactly the menu its permissions open and gets 403 on every other view; Django's
admin is for superusers and its changes are audited; the dashboard's live figures and
alerts; the audit log search."""
import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from peerfund.backoffice.menu import MENU, menu_for
from peerfund.backoffice.roles import ROLES
from peerfund.core import clock
from peerfund.core.alerts import alert_raise
from peerfund.core.models import Alert, AuditLog
from peerfund.ledger.models import Posting
from peerfund.tests_support.console import console_views

pytestmark = pytest.mark.django_db

def test_every_console_view_declares_a_permission():
    views = console_views()
    assert len(views) >= 30
    undeclared = [name for name, view, _path in views if not getattr(view, "permission", None)]
    assert undeclared == []


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_sees_exactly_its_menu_and_gets_403_elsewhere(role, staff_with):
    staff = staff_with(role)
    client = Client()
    client.force_login(staff)
    granted = set(ROLES[role])
    shown = {item.url_name for _domain, items in menu_for(staff) for item in items}
    assert shown == {item.url_name for _domain, items in MENU for item in items if item.permission in granted}
    for name, view, path in console_views():
        status = client.get(path).status_code
        if view.permission in granted:
            assert status != 403, (role, name, path)
        else:
            assert status == 403, (role, name, path, status)
    page = client.get(reverse("backoffice:index") if "view_users" in granted else reverse("backoffice:dashboard") if "view_dashboard" in granted else "/")
    html = page.content.decode()
    for _domain, items in MENU:
        for item in items:
            assert (f'data-testid="menu-{item.url_name.replace(":", "")}"' in html) == (item.permission in granted and page.status_code == 200 and "backoffice-nav" in html), (role, item)


def test_django_admin_is_for_superusers_and_audited(staff_with, make_user):
    operations = Client()
    operations.force_login(staff_with("operations"))
    assert operations.get("/django-admin/").status_code == 302  # the admin's own login page: not for staff roles
    root = make_user(username="root", is_superuser=True, is_staff=True)
    admin = Client()
    admin.force_login(root)
    assert admin.get("/django-admin/").status_code == 200
    from peerfund.sandbox.bank import faults
    from peerfund.sandbox.models import BankFaults

    faults()
    admin.post(f"/django-admin/sandbox/bankfaults/{BankFaults.objects.get().pk}/change/", {
        "latency_ms": "5", "callback_delay_seconds": "0", "lose_next_callbacks": "0", "lose_next_requests": "0", "reject_next_requests": "0",
        "reject_reason": "BANK_REJECTED: test",
    })
    row = AuditLog.objects.filter(action__startswith="admin.").latest("id")
    assert row.actor == root and row.object_type == "sandbox.bankfaults"


def test_dashboard_live_figures_and_alert_acknowledgement(staff_with, investor):
    client = Client()
    client.force_login(staff_with("finance"))
    page = client.get("/backoffice/dashboard/")
    live = {key: value for key, _label, value in page.context["live"]}
    deposits = sum(Posting.objects.filter(entry__kind="deposit", entry__business_date=clock.business_date(), account__kind="user_available")
                   .values_list("amount_fen", flat=True))
    from peerfund.core.money import format_fen

    assert live["deposits_fen"] == format_fen(deposits)
    alert = alert_raise(kind="test.alert", message="something to look at")
    assert f'data-testid="alert-{alert.pk}"' in client.get("/backoffice/dashboard/").content.decode()
    client.post(f"/backoffice/alerts/{alert.pk}/acknowledge/", {"note": "checked"})
    alert.refresh_from_db()
    assert alert.acknowledged_by.username == "staff-finance"
    assert AuditLog.objects.filter(action="alert.acknowledged", object_id=str(alert.pk), reason="checked").exists()
    auditor = Client()
    auditor.force_login(staff_with("auditor"))
    other = alert_raise(kind="test.alert", message="another")
    assert auditor.post(f"/backoffice/alerts/{other.pk}/acknowledge/").status_code == 403
    assert Alert.objects.get(pk=other.pk).acknowledged_at is None


def test_audit_log_search_by_actor_object_and_time(staff_with, investor):
    from peerfund.core.audit import audit_record

    checker = staff_with("compliance")
    audit_record(actor=checker, action="user.freeze.request", obj=investor, reason="test")
    client = Client()
    client.force_login(checker)
    rows = list(client.get("/backoffice/audit/", {"actor": "staff-compliance"}).context["page"])
    assert [r.action for r in rows] == ["user.freeze.request"]
    by_object = client.get("/backoffice/audit/", {"object_type": "accounts.user", "object_id": str(investor.pk)}).context["page"]
    assert "user.freeze.request" in [r.action for r in by_object]
    tomorrow = (clock.business_date() + dt.timedelta(days=1)).isoformat()
    assert list(client.get("/backoffice/audit/", {"since": tomorrow}).context["page"]) == []


def test_the_documented_role_table_is_the_role_map():
    from pathlib import Path

    from django.conf import settings

    from peerfund.backoffice.models import StaffPermission

    text = (Path(settings.BASE_DIR) / "docs" / "backoffice.md").read_text()
    roles = list(ROLES)
    header = next(line for line in text.splitlines() if line.startswith("| permission |"))
    assert [cell.strip() for cell in header.strip("|").split("|")][2:] == roles
    for code, _label in StaffPermission._meta.permissions:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{code}` |"))
        marks = [cell.strip() for cell in row.strip("|").split("|")][2:]
        assert [role for role, mark in zip(roles, marks, strict=True) if mark == "✓"] == [r for r in roles if code in ROLES[r]], code


def test_fund_flows_by_period_and_in_three_formats(staff_with, funded):
    import csv
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    client = Client()
    client.force_login(staff_with("finance"))
    month = f"{clock.business_date():%Y-%m}"
    rows = {r["kind"]: r for r in client.get("/backoffice/finance/", {"period": "month", "value": month}).context["rows"]}
    deposits = sum(Posting.objects.filter(entry__kind="deposit", amount_fen__gt=0).values_list("amount_fen", flat=True))
    assert rows["deposit"]["moved_fen"] == deposits and rows["deposit"]["entries"] >= 1
    exported = client.get("/backoffice/finance/", {"period": "month", "value": month, "format": "csv"}).content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(exported)))
    assert [row[0] for row in table[1:]] == [r["label"] for r in rows.values()]
    xlsx = load_workbook(io.BytesIO(client.get("/backoffice/finance/", {"period": "year", "value": str(clock.business_date().year), "format": "xlsx"}).content))
    assert xlsx.active.max_row == 3 + len(rows)
    pdf = client.get("/backoffice/finance/", {"period": "day", "value": clock.business_date().isoformat(), "format": "pdf"})
    assert rows["deposit"]["label"] in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert client.get("/backoffice/finance/", {"period": "day", "value": "not-a-date"}).status_code == 404
