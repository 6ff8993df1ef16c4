"""The all-in annual cost in templates: `{% load lending_cost %}` then
`{{ loan|all_in_apr|percent }}` (15.23%). Computed by `lending.cost`, the one place."""
from django import template

from peerfund.lending.cost import loan_all_in_apr

register = template.Library()


@register.filter
def all_in_apr(loan):
    """The loan's all-in annual cost as a Decimal ("0.1523")."""
    return loan_all_in_apr(loan)
