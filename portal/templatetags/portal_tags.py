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


@register.inclusion_tag("portal/_breadcrumb.html")
def breadcrumb(*parts):
    """The one breadcrumb of every inner page, starting at the workbench:
    `{% breadcrumb _("发放批次") "assistance:batch-list" batch_label batch_url _("发放明细") %}` — pairs of a
    label and its link (a URL name without arguments, or an address), then the current page's label. A list
    of (label, link) pairs may stand in for pairs (views pass `crumbs`)."""
    from django.urls import NoReverseMatch, reverse
    from django.utils.translation import gettext

    flat = []
    for part in parts:
        if isinstance(part, list | tuple):
            for pair in part:
                flat.extend(pair)
        else:
            flat.append(part)
    links = [(gettext("工作台"), reverse("portal:dashboard"))]
    current = flat.pop() if len(flat) % 2 else ""
    for label, target in zip(flat[::2], flat[1::2], strict=True):
        target = str(target or "")
        if target and not target.startswith("/"):
            try:
                target = reverse(target)
            except NoReverseMatch:
                target = ""
        links.append((label, target))
    return {"links": links, "current": current}


@register.filter
def input_value(field):
    """A bound field's value as its input shows it (dates 2026-02-10, date-times 2026-02-10 14:30)."""
    value = field.value()
    if value is None:
        return ""
    return field.field.widget.format_value(value) or ""


@register.filter
def hint_attrs(field):
    """The format hint of portal.widgets' date and time inputs (placeholder, title, input mode)."""
    from django.utils.html import format_html_join

    widget = field.field.widget
    if not getattr(widget, "portal_kind", ""):
        return ""
    return format_html_join("", ' {}="{}"', ((k, v) for k, v in widget.attrs.items()
                                             if k in ("placeholder", "title", "inputmode", "autocomplete")))


@register.filter
def index(sequence, i):
    """sequence[i] in a template (a grid's column header for the cell in hand)."""
    try:
        return sequence[int(i)]
    except (IndexError, TypeError, ValueError, KeyError):
        return None
