"""Filters shared by the apps' FilterSets (HTML lists and API)."""

import django_filters
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

validate_id_last4 = RegexValidator(r"^\s*\d{3}[\dXx]\s*$", message=_("请输入身份证号码的后四位（数字，末位可为X）。"))


class IdLast4Filter(django_filters.CharFilter):
    """``?id_last4=123X``: people whose ID number ends with these four characters, by the indexed
    ``Person.id_last4`` (the number itself is encrypted: no substring search). ``field_name`` is the path
    to that column (``person__id_last4``); anything but four characters (digits, the last may be X) is
    refused as an invalid filter (the API answers 400), so a longer digit run is never matched loosely."""

    def __init__(self, field_name="person__id_last4", **kwargs):
        kwargs.setdefault("label", _("身份证号码后四位"))
        kwargs.setdefault("validators", [validate_id_last4])
        super().__init__(field_name=field_name, **kwargs)

    def filter(self, qs, value):
        return super().filter(qs, (value or "").strip().upper())
