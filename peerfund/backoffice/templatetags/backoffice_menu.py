from django import template

from peerfund.backoffice.menu import menu_for

register = template.Library()


@register.simple_tag
def staff_menu(user):
    return menu_for(user)
