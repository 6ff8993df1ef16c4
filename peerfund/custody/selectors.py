"""Reads on custody: reconciliation reports."""
from peerfund.custody.models import ReconciliationReport


def latest_reports(limit: int = 30):
    return ReconciliationReport.objects.prefetch_related("differences")[:limit]
