from django import template

from peerfund.core.money import format_fen

register = template.Library()


@register.filter
def fen(value) -> str:
    """Integer fen as "¥1,234.56"."""
    return format_fen(int(value or 0))
