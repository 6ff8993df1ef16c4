"""REST API of the public disclosure: the latest figures (with their definitions in
disclosure/services/statistics.py), the published liabilities, and the signed-in
user's inclusion proof."""
from django.http import Http404
from ninja import Router, Schema

from peerfund.disclosure.selectors import latest_tree
from peerfund.disclosure.services.liabilities import liability_proof
from peerfund.disclosure.services.statistics import latest_snapshot

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
