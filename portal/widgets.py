"""Date and time inputs that read the same in every browser: plain text fields with a Chinese format hint.

A browser's own date and time controls follow the browser's language, not the page's: an English-set
Chromium shows `mm/dd/yyyy, --:-- --` on a Chinese form. These take 2026-02-10 (also 2026/2/10, a zh-Hans
input format) and 2026-02-10 14:30."""

from django import forms
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    input_type = "text"
    portal_kind = "date"

    def __init__(self, attrs=None):
        base = {"placeholder": _("年-月-日，如 2026-02-10"), "inputmode": "numeric", "autocomplete": "off",
                "title": _("日期，格式：年-月-日")}
        super().__init__(attrs={**base, **(attrs or {})}, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "text"
    portal_kind = "datetime"

    def __init__(self, attrs=None):
        base = {"placeholder": _("年-月-日 时:分，如 2026-02-10 14:30"), "autocomplete": "off",
                "title": _("日期和时间，格式：年-月-日 时:分（24小时制）")}
        super().__init__(attrs={**base, **(attrs or {})}, format="%Y-%m-%d %H:%M")
