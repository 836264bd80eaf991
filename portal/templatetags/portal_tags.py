from django import template
from django.utils import formats

from portal import idnumber, money

register = template.Library()


@register.filter
def yuan(fen):
    """Integer fen -> ¥1,200.00"""
    if fen in (None, ""):
        return ""
    return money.yuan_display(int(fen))


@register.filter
def masked(id_number):
    return idnumber.mask(id_number)


@register.filter(expects_localtime=True)
def cn_date(value):
    """2026年2月10日 (follows the active language's DATE_FORMAT)."""
    if not value:
        return ""
    return formats.date_format(value, "DATE_FORMAT")


@register.filter
def percent(part, whole):
    try:
        return 0 if not whole else min(100, int(int(part) * 100 / int(whole)))
    except (TypeError, ValueError):
        return 0


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """Current query string with some keys replaced (pagination and sorting links)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        params[key] = value
    return params.urlencode()
