"""Money as pages show it: whole won with thousands separated (1,234,000)."""

from django import template

register = template.Library()


@register.filter
def won(value):
    return "" if value is None else f"{value:,}"
