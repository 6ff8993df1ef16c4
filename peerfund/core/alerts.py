"""Raising operator alerts. An alert is a record, never a silent fix."""
import logging
from typing import Any

from peerfund.core.models import Alert

logger = logging.getLogger("peerfund.alerts")


def alert_raise(
    *, kind: str, message: str, ref: str = "", severity: str = Alert.Severity.WARNING, data: dict[str, Any] | None = None
) -> Alert:
    logger.warning("alert %s %s: %s", kind, ref, message)
    return Alert.objects.create(kind=kind, severity=severity, message=message, ref=ref, data=data or {})
