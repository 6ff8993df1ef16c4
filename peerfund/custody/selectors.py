"""Reads on custody: a user's deposits, reconciliation reports."""
from django.http import Http404

from peerfund.custody.models import Instruction, ReconciliationReport


def deposit_get_for_user(user, request_no: str) -> Instruction:
    """A user's own deposit; another user's is a 404, never a 403."""
    instruction = Instruction.objects.filter(request_no=request_no, owner=user, op="deposit").first()
    if instruction is None:
        raise Http404
    return instruction


def deposits_of_user(user):
    return Instruction.objects.filter(owner=user, op="deposit").order_by("-id")


def latest_reports(limit: int = 30):
    return ReconciliationReport.objects.prefetch_related("differences")[:limit]
