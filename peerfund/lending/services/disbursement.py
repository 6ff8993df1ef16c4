"""Full review (满标复审) and disbursement (放款).

A full loan is disbursed when one staff member asks and a second approves. In one
transaction: the frozen bids move to the borrower in full — nothing is netted from
the principal (砍头息 is void, Civil Code art. 670) — as one `loan_disburse` entry,
mirrored at the bank as a batch; the borrower's repayment schedule is fixed from
today, each instalment with its part of the service fee at the rate the loan was
listed with (分期服务费, collected by the repayments); and each bid becomes an
investment with its receivables — its largest-remainder share of every instalment's
principal and interest (never the fee), so the shares add up to each instalment exactly. Then each investor–borrower contract is rendered, signed
by both through the e-signature adapter and chained in the evidence record.
"""
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from peerfund.accounts.services.invitations import invitation_reward_if_due
from peerfund.contracts.documents import loan_contract_issue
from peerfund.core import clock
from peerfund.core.audit import audit_record
from peerfund.core.errors import Conflict
from peerfund.core.makerchecker import decision_lock, decision_mark
from peerfund.core.transitions import transition
from peerfund.custody.services import custody_move
from peerfund.ledger import services as ledger
from peerfund.ledger.chart import AccountKind, EntryKind
from peerfund.lending.cost import product_terms
from peerfund.lending.models import Bid, DisbursementRequest, Investment, Loan, Receivable, RepaymentInstalment
from peerfund.lending.notices import loan_disbursed_notify
from peerfund.lending.schedules import build_schedule, split_among_investors
from peerfund.lending.services.bidding import loan_fail


def disbursement_request(*, staff, loan: Loan) -> DisbursementRequest:
    if loan.status != Loan.Status.FULL:
        raise Conflict(_("Only a full loan can be disbursed."), "disburse.not_full")
    try:
        with transaction.atomic():
            request = DisbursementRequest.objects.create(loan=loan, requested_by=staff)
            audit_record(actor=staff, action="loan.disburse.request", obj=loan)
    except IntegrityError as exc:
        raise Conflict(_("A disbursement of this loan is already requested."), "disburse.pending") from exc
    return request


def disbursement_decide(*, staff, request: DisbursementRequest, approve: bool, reason: str = "") -> DisbursementRequest:
    with transaction.atomic():
        request = decision_lock(DisbursementRequest, request, staff, code="disburse")
        decision_mark(request, staff, approve=approve)
        request.reason = reason.strip()
        request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        audit_record(actor=staff, action=f"loan.disburse.{request.status}", obj=request.loan, reason=reason)
        if approve:
            _disburse(request.loan, actor=staff)
        else:
            loan_fail(loan=request.loan, reason=reason or "refused at full review")
    if approve:
        contracts_issue(loan=request.loan)
    return request


def _disburse(loan: Loan, *, actor) -> None:
    loan = Loan.objects.select_for_update(of=("self",)).select_related("product", "borrower").get(pk=loan.pk)
    bids = list(Bid.objects.filter(loan=loan, status=Bid.Status.FROZEN).select_related("investor").order_by("id"))
    if sum(bid.amount_fen for bid in bids) != loan.amount_fen:
        raise Conflict(_("The frozen bids do not add up to the loan."), "disburse.mismatch")
    product = loan.product
    legs = [(ledger.user_accounts(bid.investor)[AccountKind.USER_FROZEN], -bid.amount_fen) for bid in bids]
    legs += [(ledger.user_accounts(loan.borrower)[AccountKind.USER_AVAILABLE], loan.amount_fen)]
    custody_move(kind=EntryKind.LOAN_DISBURSE, legs=legs, key=f"disburse:{loan.pk}", ref=f"loan:{loan.pk}", memo="loan disbursed", actor=actor)
    schedule = build_schedule(product_terms(product=product, amount_fen=loan.amount_fen, months=loan.months, annual_rate=loan.annual_rate,
                                            service_fee_rate=loan.service_fee_rate, start=clock.business_date()))
    RepaymentInstalment.objects.bulk_create(
        RepaymentInstalment(loan=loan, number=i.number, due_date=i.due_date, principal_fen=i.principal_fen, interest_fen=i.interest_fen, fee_fen=i.fee_fen)
        for i in schedule
    )
    shares = split_among_investors(schedule, [bid.amount_fen for bid in bids])
    for bid, share in zip(bids, shares, strict=True):
        investment = Investment.objects.create(loan=loan, investor=bid.investor, bid=bid, principal_fen=bid.amount_fen, acquired_on=clock.business_date())
        Receivable.objects.bulk_create(
            Receivable(investment=investment, number=i.number, due_date=i.due_date, principal_fen=i.principal_fen, interest_fen=i.interest_fen) for i in share
        )
    Bid.objects.filter(pk__in=[bid.pk for bid in bids]).update(status=Bid.Status.DISBURSED)
    transition(loan, Loan.Status.DISBURSED, actor=actor)
    loan_disbursed_notify(loan)
    for bid in bids:
        invitation_reward_if_due(invitee=bid.investor)


def contracts_issue(*, loan: Loan) -> int:
    """One signed contract per investment (contracts.documents: the clauses); idempotent,
    so it can be re-run."""
    issued = 0
    for investment in Investment.objects.filter(loan=loan, contract__isnull=True).select_related("investor", "loan__borrower", "loan__product"):
        contract = loan_contract_issue(investment=investment)
        Investment.objects.filter(pk=investment.pk).update(contract=contract)
        issued += 1
    return issued
