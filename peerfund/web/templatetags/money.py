from django import template

from peerfund.core.money import format_fen

register = template.Library()


@register.filter
def fen(value) -> str:
    """Integer fen as "¥1,234.56"."""
    return format_fen(int(value or 0))


@register.filter
def percent(rate) -> str:
    """Decimal("0.1050") as "10.50%"."""
    from decimal import Decimal

    return f"{(Decimal(rate) * 100).quantize(Decimal('0.01'))}%"
