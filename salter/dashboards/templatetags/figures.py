from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def hours(minutes):
    """Minutes as hours with one decimal, in the page's number format; – for none."""
    if minutes is None:
        return "–"
    return number_format(round(minutes / 60, 1), 1)
