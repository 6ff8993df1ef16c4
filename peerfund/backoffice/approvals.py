"""Maker–checker for money and pricing actions: one staff member asks (with a
reason), another approves, and only then is it done — in the approver's transaction,
audited with both names. Nobody approves their own request, and a target has at most
one pending request.

| kind | target | done on approval |
|---|---|---|
| ledger_reversal | entry:<id> | a reversing entry, mirrored at the bank (custody_reverse) |
| payout_release | payout:<id> | the crowdfunding payout is paid from escrow (payout_pay) |
| product_fee | product:<id> | the loan product's fee rates change |
| project_fee | project:<id> | the crowdfunding project's fee rate changes |
| operation_switch | switch:<id> | sign-ups, bids, pledges or withdrawals pause or resume (core/switches.py) |

Money and pricing requests are asked with `request_adjustments` and approved with
`approve_adjustments`; emergency switches are asked and approved with
`pause_operations` (still by two different people).
"""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from peerfund.backoffice.models import ApprovalRequest
from peerfund.core.audit import audit_record
from peerfund.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from peerfund.core.makerchecker import decision_lock, decision_mark

Kind = ApprovalRequest.Kind
PRODUCT_FEES = ("service_fee_rate", "transfer_fee_rate", "prepayment_fee_rate", "penalty_rate_daily")


class ApprovalError(ApplicationError):
    pass


def _rate(value, field: str, high: Decimal) -> str:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise ApprovalError(_("Enter the rate as a number."), "approval.rate", {"field": field}) from None
    if not Decimal(0) <= rate <= high:
        raise ApprovalError(_("The rate is between 0 and %(high)s.") % {"high": high}, "approval.rate", {"field": field})
    return str(rate)


@dataclass(frozen=True)
class Handler:
    check: "callable"  # (target id, payload) -> cleaned payload; raises when it cannot be done
    execute: "callable"  # (staff, target id, payload, request) -> a line for the record
    ask: str = "request_adjustments"  # the permission to ask
    approve: str = "approve_adjustments"  # the permission to approve


def _check_reversal(pk: int, payload: dict) -> dict:
    from peerfund.ledger.models import Entry
    from peerfund.ledger.services import reversal_spec

    entry = Entry.objects.filter(pk=pk).first()
    if entry is None:
        raise NotFound(_("No such entry."), "not_found")
    reversal_spec(entry=entry, key="", reason="")  # refuses a reversal, or an entry already reversed
    return {}


def _do_reversal(staff, pk: int, payload: dict, request: ApprovalRequest) -> str:
    from peerfund.custody.services import custody_reverse
    from peerfund.ledger.models import Entry

    entry = custody_reverse(entry=Entry.objects.get(pk=pk), key=f"adjustment:{request.pk}", reason=request.reason[:255], actor=staff)
    return f"reversal entry {entry.pk}"


def _check_payout(pk: int, payload: dict) -> dict:
    from peerfund.crowdfunding.models import Payout

    if not Payout.objects.filter(pk=pk, status=Payout.Status.DUE).exists():
        raise ApprovalError(_("This payout is not due for release."), "payout.not_due")
    return {}


def _do_payout(staff, pk: int, payload: dict, request: ApprovalRequest) -> str:
    from peerfund.crowdfunding.services.settlement import payout_pay

    payout = payout_pay(payout_id=pk, actor=staff)
    return f"paid with entry {payout.entry_id}"


def _check_product_fee(pk: int, payload: dict) -> dict:
    from peerfund.lending.models import LoanProduct

    if not LoanProduct.objects.filter(pk=pk).exists():
        raise NotFound(_("No such product."), "not_found")
    cleaned = {field: _rate(payload[field], field, Decimal("0.2")) for field in PRODUCT_FEES if payload.get(field) not in (None, "")}
    if not cleaned:
        raise ApprovalError(_("Give at least one new rate."), "approval.empty")
    _fee_change_within_ceiling(LoanProduct.objects.get(pk=pk), cleaned)
    return cleaned


def _fee_change_within_ceiling(product, rates: dict) -> None:
    """A service fee or penalty change that would let a loan cost more than the legal
    ceiling is refused, naming both figures (lending.cost.product_check)."""
    from peerfund.lending.cost import product_check

    product_check(
        product,
        service_fee_rate=Decimal(rates["service_fee_rate"]) if "service_fee_rate" in rates else None,
        penalty_rate_daily=Decimal(rates["penalty_rate_daily"]) if "penalty_rate_daily" in rates else None,
    )


def _do_product_fee(staff, pk: int, payload: dict, request: ApprovalRequest) -> str:
    from peerfund.lending.models import LoanProduct

    _fee_change_within_ceiling(LoanProduct.objects.get(pk=pk), payload)
    LoanProduct.objects.filter(pk=pk).update(**{field: Decimal(value) for field, value in payload.items()})
    return ", ".join(f"{field}={value}" for field, value in payload.items())


def _check_project_fee(pk: int, payload: dict) -> dict:
    from peerfund.crowdfunding.models import Project

    if not Project.objects.filter(pk=pk).exists():
        raise NotFound(_("No such project."), "not_found")
    value = payload.get("fee_rate")
    return {"fee_rate": None if value in (None, "") else _rate(value, "fee_rate", Decimal("0.2"))}


def _do_project_fee(staff, pk: int, payload: dict, request: ApprovalRequest) -> str:
    from peerfund.crowdfunding.models import Project
    from peerfund.crowdfunding.services.projects import project_set_fee

    rate = payload["fee_rate"]
    project_set_fee(staff=staff, project=Project.objects.get(pk=pk), fee_rate=Decimal(rate) if rate is not None else None)
    return f"fee_rate={rate}"


def _check_switch(pk: int, payload: dict) -> dict:
    from peerfund.core.models import OperationSwitch
    from peerfund.core.switches import switch_check

    switch = OperationSwitch.objects.filter(pk=pk).first()
    if switch is None:
        raise NotFound(_("No such switch."), "not_found")
    pause = payload.get("pause")
    if not isinstance(pause, bool):
        raise ApprovalError(_("Say whether to pause or resume."), "approval.switch")
    switch_check(switch=switch, pause=pause)
    return {"operation": switch.operation, "pause": pause}


def _do_switch(staff, pk: int, payload: dict, request: ApprovalRequest) -> str:
    from peerfund.core.switches import switch_set

    switch = switch_set(switch_id=pk, pause=payload["pause"], reason=request.reason, requested_by=request.requested_by, approved_by=staff)
    return f"{switch.operation} {'paused' if switch.paused else 'resumed'}"


HANDLERS = {
    Kind.LEDGER_REVERSAL: Handler(_check_reversal, _do_reversal),
    Kind.PAYOUT_RELEASE: Handler(_check_payout, _do_payout),
    Kind.PRODUCT_FEE: Handler(_check_product_fee, _do_product_fee),
    Kind.PROJECT_FEE: Handler(_check_project_fee, _do_project_fee),
    Kind.OPERATION_SWITCH: Handler(_check_switch, _do_switch, ask="pause_operations", approve="pause_operations"),
}
TARGET_PREFIX = {Kind.LEDGER_REVERSAL: "entry", Kind.PAYOUT_RELEASE: "payout", Kind.PRODUCT_FEE: "product", Kind.PROJECT_FEE: "project",
                 Kind.OPERATION_SWITCH: "switch"}


def approval_request(*, staff, kind: str, target_id: int, reason: str, payload: dict | None = None) -> ApprovalRequest:
    """Ask for a sensitive action; it happens when someone else approves it."""
    if kind not in HANDLERS:
        raise ApprovalError(_("Unknown kind of request."), "approval.kind")
    if not staff.has_perm(f"backoffice.{HANDLERS[kind].ask}"):
        raise Forbidden(_("Your role may not ask for this."), "backoffice.forbidden")
    if not (reason or "").strip():
        raise ApprovalError(_("Give the reason."), "approval.reason", {"field": "reason"})
    cleaned = HANDLERS[kind].check(target_id, payload or {})
    target = f"{TARGET_PREFIX[kind]}:{target_id}"
    try:
        with transaction.atomic():
            request = ApprovalRequest.objects.create(kind=kind, target=target, payload=cleaned, reason=reason.strip()[:300], requested_by=staff)
            audit_record(actor=staff, action=f"approval.{kind}.requested", obj=request, reason=reason, data={"target": target, **cleaned})
    except IntegrityError as exc:
        raise Conflict(_("A request on this is already waiting for approval."), "approval.pending") from exc
    return request


def approval_decide(*, staff, request: ApprovalRequest, approve: bool, note: str = "") -> ApprovalRequest:
    """A second person approves (the action is done now) or rejects."""
    if not staff.has_perm(f"backoffice.{HANDLERS[request.kind].approve}"):
        raise Forbidden(_("Your role may not approve this."), "backoffice.forbidden")
    with transaction.atomic():
        request = decision_lock(ApprovalRequest, request, staff, code="backoffice")
        target_id = int(request.target.split(":", 1)[1])
        if approve:
            request.result = HANDLERS[request.kind].execute(staff, target_id, request.payload, request)[:200]
        decision_mark(request, staff, approve=approve)
        request.save(update_fields=["status", "result", "decided_by", "decided_at"])
        audit_record(actor=staff, action=f"approval.{request.kind}.{request.status}", obj=request, reason=note or request.reason,
                     data={"target": request.target, "requested_by": request.requested_by_id, "result": request.result})
    return request
