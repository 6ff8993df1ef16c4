from django import template

register = template.Library()


@register.filter
def with_class(bound_field, css: str):
    """Render a bound field's widget with extra CSS classes (forms we do not own)."""
    return bound_field.as_widget(attrs={"class": css})
