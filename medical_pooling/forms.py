from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal import idnumber
from portal.money import to_fen

from .models import Insured, Kinship, Spend


class YuanField(forms.CharField):
    """Yuan typed by people ("800", "1,200.50") -> integer fen."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        return to_fen(value)


class IdNumberFormField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 18)
        kwargs.setdefault("min_length", 18)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return idnumber.validate_id_number(value) if value else value


class RelationForm(forms.Form):
    beneficiary_id_number = IdNumberFormField(label=_("亲属身份证号码"))
    beneficiary_name = forms.CharField(label=_("亲属姓名"), max_length=64)
    kinship = forms.ChoiceField(label=_("亲属关系"), choices=Kinship.choices)
    quota = YuanField(label=_("共济额度（元）"))


class QuotaForm(forms.Form):
    quota = YuanField(label=_("新的共济额度（元）"))


class DissolveForm(forms.Form):
    reason = forms.CharField(label=_("解除原因"), max_length=255, required=False)


class SpendForm(forms.Form):
    payment_code = forms.CharField(
        label=_("付款码"), max_length=64,
        help_text=_("请参保人出示「共济付款码」，扫码或输入 18 位数字。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}))
    category = forms.ChoiceField(label=_("支付类别"), choices=Spend.Category.choices)
    amount = YuanField(label=_("金额（元）"))
    occurred_at = forms.DateTimeField(label=_("发生时间"),
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])


class PremiumForm(forms.Form):
    premium_scheme = forms.ChoiceField(label=_("缴费险种"), choices=Spend.PremiumScheme.choices)
    year = forms.IntegerField(label=_("缴费年度"), min_value=2000, max_value=2100)
    amount = YuanField(label=_("缴费金额（元）"))


class RegionRuleForm(forms.Form):
    region = forms.RegexField(label=_("统筹地区代码"), regex=r"^\d{6}$",
                              error_messages={"invalid": _("请填写 6 位地市级区划代码，例如 610100。")})
    categories = forms.MultipleChoiceField(label=_("允许的支付类别"), choices=Spend.Category.choices,
                                           widget=forms.CheckboxSelectMultiple,
                                           error_messages={"required": _("请至少选择一个支付类别。")})
    cap_per_spend = YuanField(label=_("单笔上限（元，不设请留空）"), required=False)
    cap_per_month = YuanField(label=_("每人每月上限（元，不设请留空）"), required=False)
    wallet_opened_on = forms.DateField(label=_("个人医保钱包开通日期（未开通请留空）"), required=False,
                                       widget=forms.DateInput(attrs={"type": "date"}))
    claim_window_days = forms.IntegerField(label=_("结算期限（天，按全国默认请留空）"), required=False,
                                           min_value=1, max_value=3650)


class OwnSpendForm(forms.Form):
    payment_code = forms.CharField(
        label=_("本人付款码"), max_length=64,
        help_text=_("请参保人出示「本人付款码」，扫码或输入 18 位数字。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}))
    id_number = forms.CharField(label=_("身份证号码（可选）"), max_length=18, required=False)
    category = forms.ChoiceField(label=_("支付类别"), choices=[c for c in Spend.Category.choices if c[0] != "premium"])
    amount = YuanField(label=_("金额（元）"))
    occurred_at = forms.DateTimeField(label=_("发生时间"),
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])


class InsuredForm(forms.Form):
    id_number = IdNumberFormField(label=_("身份证号码"))
    name = forms.CharField(label=_("姓名"), max_length=64)
    scheme = forms.ChoiceField(label=_("参保险种"), choices=Insured.Scheme.choices)
    region = forms.CharField(label=_("统筹地区代码"), max_length=6, min_length=6,
                             help_text=_("地市级行政区划代码，例如西安市 610100。"))
    balance = YuanField(label=_("个人账户期初余额（元，仅职工医保）"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("scheme") == Insured.Scheme.RESIDENT and data.get("balance"):
            raise ValidationError({"balance": _("城乡居民医保没有个人账户，不能设置余额。")})
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("参保状态"), choices=Insured.Status.choices)
    reason = forms.CharField(label=_("原因"), max_length=255, required=False)


class MonthForm(forms.Form):
    month = forms.RegexField(label=_("清算月份"), regex=r"^\d{4}-(0[1-9]|1[0-2])$",
                             widget=forms.TextInput(attrs={"type": "month"}),
                             error_messages={"invalid": _("月份格式应为 YYYY-MM，例如 2026-01。")})


class ImportForm(forms.Form):
    file = forms.FileField(label=_("参保人名单（CSV 或 XLSX）"),
                           help_text=_("表头：身份证号码,姓名,参保险种,统筹地区代码,个人账户余额"))


class StatisticsForm(forms.Form):
    """Filters of the officers' statistics: a month range (at most five years) and a province in scope."""

    MONTH_RE = r"^\d{4}-(0[1-9]|1[0-2])$"
    month_from = forms.RegexField(label=_("起始月份"), regex=MONTH_RE, required=False,
                                  widget=forms.TextInput(attrs={"type": "month"}),
                                  error_messages={"invalid": _("月份格式应为 YYYY-MM，例如 2026-01。")})
    month_to = forms.RegexField(label=_("截止月份"), regex=MONTH_RE, required=False,
                                widget=forms.TextInput(attrs={"type": "month"}),
                                error_messages={"invalid": _("月份格式应为 YYYY-MM，例如 2026-01。")})
    province = forms.ChoiceField(label=_("省份"), required=False,
                                 error_messages={"invalid_choice": _("只能选择您辖区内的省份。")})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .stats import province_choices

        self.fields["province"].choices = [("", _("全部（辖区内）"))] + province_choices(user)

    def clean(self):
        from .stats import Filters, default_filters

        data = super().clean()
        if self.errors:
            return data
        default = default_filters()
        start, end = data.get("month_from") or default.month_from, data.get("month_to") or default.month_to
        if start > end:
            self.add_error("month_to", _("截止月份不能早于起始月份。"))
        elif int(start[:4]) < 2000 or (int(end[:4]) * 12 + int(end[5:])) - (int(start[:4]) * 12 + int(start[5:])) >= 60:
            self.add_error("month_to", _("统计区间最长 60 个月，且不早于 2000 年。"))
        else:
            data["filters"] = Filters(month_from=start, month_to=end, province=data.get("province") or "")
        return data
