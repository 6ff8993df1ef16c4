"""Tags for the includes other pages use (the loan page, My investments), so they need
nothing in their view's context but the loan and the request."""
from django import template

from peerfund.disclosure.borrower import borrower_disclosure
from peerfund.disclosure.selectors import post_loan_records_for

register = template.Library()


@register.simple_tag
def borrower_disclosure_of(loan) -> dict:
    return borrower_disclosure(loan)


@register.simple_tag(takes_context=True)
def post_loan_records_of(context, loan):
    """The loan's post-loan records if the signed-in user invested in it, else None."""
    request = context.get("request")
    return post_loan_records_for(loan.pk, getattr(request, "user", None))
