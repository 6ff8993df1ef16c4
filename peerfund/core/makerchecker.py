"""Maker–checker: a request one staff member made is decided by another. The request
models (freeze requests, disbursements, approvals) share `status`, `requested_by`,
`decided_by` and `decided_at`; these two helpers are the rule they share."""
from django.utils.translation import gettext as _

from peerfund.core import clock
from peerfund.core.errors import Conflict, Forbidden

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


def decision_lock(model, request, staff, *, code: str):
    """The request, locked, once it is known that `staff` may decide it: it is still
    pending and it is not their own. Call inside a transaction."""
    locked = model.objects.select_for_update().get(pk=request.pk)
    if locked.status != PENDING:
        raise Conflict(_("This request was already decided."), f"{code}.decided")
    if locked.requested_by_id == staff.pk:
        raise Forbidden(_("A second staff member must approve your own request."), f"{code}.same_person")
    return locked


def decision_mark(request, staff, *, approve: bool) -> None:
    """Set the decision on the (locked) request; the caller saves it with its own fields."""
    request.status = APPROVED if approve else REJECTED
    request.decided_by, request.decided_at = staff, clock.now()
