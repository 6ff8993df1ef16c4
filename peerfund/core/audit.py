"""The append-only audit trail of state changes and staff actions."""
from typing import Any

from django.db import models

from peerfund.core.models import AuditLog


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
        ip_address=ip_address,
    )


def audit_trail(obj: models.Model):
    return AuditLog.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("id")
