"""The audit log is append-only: in the model, the queryset and (PostgreSQL) in SQL."""
import pytest
from django.db import DatabaseError, connection, transaction

from peerfund.core.audit import audit_record, audit_trail
from peerfund.core.models import AuditLog


def test_audit_records_who_did_what_and_why(staff, owner):
    audit_record(actor=staff, action="user.freeze", obj=owner, from_state="active", to_state="frozen", reason="fraud report")
    (row,) = audit_trail(owner)
    assert (row.actor, row.action, row.from_state, row.to_state, row.reason) == (
        staff, "user.freeze", "active", "frozen", "fraud report"
    )


def test_audit_rows_cannot_be_changed_or_deleted(staff):
    row = audit_record(actor=staff, action="settings.change")
    row.reason = "rewritten"
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        AuditLog.objects.filter(pk=row.pk).update(reason="x")
    with pytest.raises(TypeError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.get(pk=row.pk).reason == ""


@pytest.mark.postgresql
def test_postgresql_refuses_changes_to_audit_rows_in_sql(staff):
    row = audit_record(actor=staff, action="settings.change")
    for sql in ("UPDATE core_auditlog SET reason = 'x' WHERE id = %s", "DELETE FROM core_auditlog WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [row.pk])
