"""Reading contracts. The parties of a contract are its signers (`user:<id>`): the
investor and the borrower of a loan contract, the seller and the buyer of a claim
transfer contract. Anyone else gets a 404, as if the contract did not exist."""
from django.http import Http404

from peerfund.contracts.models import Contract
from peerfund.core.schemas import MAX_ID


def contract_get_for_party(user, contract_id: int, *, staff: bool = False) -> Contract:
    """The contract if `user` signed it (or `staff` may read every contract), else 404."""
    contract = Contract.objects.filter(pk=contract_id).first() if 1 <= contract_id <= MAX_ID else None
    if contract is None or not (staff or (user.is_authenticated and f"user:{user.pk}" in contract.signatures)):
        raise Http404
    return contract
