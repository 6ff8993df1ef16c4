"""REST API of the public disclosure: the latest figures (with their definitions in
disclosure/services/statistics.py), the published liabilities, and the signed-in
user's inclusion proof."""
from django.http import Http404
from ninja import Router, Schema

from peerfund.disclosure.borrower import borrower_disclosure
from peerfund.disclosure.selectors import latest_tree, post_loan_records_for
from peerfund.disclosure.services.liabilities import liability_proof
from peerfund.disclosure.services.statistics import latest_snapshot
from peerfund.lending.models import Loan

router = Router(tags=["disclosure"])


class LiabilitiesOut(Schema):
    business_date: str
    algorithm: str
    root: str
    total_fen: int
    users: int


class DisclosureOut(Schema):
    business_date: str | None
    figures: dict
    liabilities: LiabilitiesOut | None


@router.get("", response=DisclosureOut, summary="The latest disclosed figures and published liabilities", auth=None)
def disclosure(request):
    snapshot, tree = latest_snapshot(), latest_tree()
    return DisclosureOut(
        business_date=snapshot.business_date.isoformat() if snapshot else None, figures=snapshot.figures if snapshot else {},
        liabilities=LiabilitiesOut(business_date=tree.business_date.isoformat(), algorithm=tree.algorithm, root=tree.root, total_fen=tree.total_fen,
                                   users=tree.leaf_count) if tree else None,
    )


@router.get("/my-proof", response=dict, summary="My inclusion proof in the latest liabilities tree (verify with merkle.py)")
def my_proof(request):
    tree = latest_tree()
    proof = liability_proof(user=request.user, tree=tree) if tree else None
    if proof is None:
        raise Http404
    return proof


class BorrowerHistoryOut(Schema):
    loans: int
    repaid: int
    overdue_now: int
    overdue_now_fen: int


class BorrowerDisclosureOut(Schema):
    type: str
    type_label: str
    age_band: str
    province: str
    occupation: str
    income_band: str
    other_debts: str
    history: BorrowerHistoryOut
    purpose: str


class PostLoanOut(Schema):
    checked_on: str
    funds_used_as_declared: bool
    funds_note: str
    ability: str
    ability_label: str
    ability_note: str
    overdue_note: str


def _listed_loan(loan_id: int) -> Loan:
    loan = Loan.objects.filter(pk=loan_id).first()
    if loan is None:
        raise Http404
    return loan


@router.get("/loans/{int:loan_id}/borrower", response=BorrowerDisclosureOut, summary="A loan's borrower, disclosed and masked", auth=None)
def loan_borrower(request, loan_id: int):
    """Type, age band, province, declared occupation, income and other debts, record
    on this platform and purpose; never a name or an ID number."""
    return borrower_disclosure(_listed_loan(loan_id))


@router.get("/loans/{int:loan_id}/post-loan", response=list[PostLoanOut], summary="Post-loan information of a loan I invested in")
def loan_post_loan(request, loan_id: int):
    """404 unless the caller holds or held a part of the loan."""
    records = post_loan_records_for(_listed_loan(loan_id).pk, request.user)
    if records is None:
        raise Http404
    return [PostLoanOut(checked_on=r.checked_on.isoformat(), funds_used_as_declared=r.funds_used_as_declared, funds_note=r.funds_note,
                        ability=r.ability, ability_label=str(r.get_ability_display()), ability_note=r.ability_note, overdue_note=r.overdue_note)
            for r in records]
