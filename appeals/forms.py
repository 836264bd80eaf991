"""Thin forms: parse input for one service each. Money fields take yuan and give fen (None when empty)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.money import to_fen

from .models import Appeal, VerificationCheck


class YuanField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("单位：元，例如 800.00"))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        try:
            return to_fen(value)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


class DateInput(forms.DateInput):
    input_type = "date"


class AppealForm(forms.Form):
    kind = forms.ChoiceField(label=_("申诉类型"), choices=Appeal.Kind.choices)
    subject = forms.IntegerField(label=_("原决定编号"), min_value=1,
                                 help_text=_("不予认定：申请编号；停发、金额：家庭救助认定编号；共济支付：支付记录编号"),
                                 error_messages={"invalid": _("请输入有效的编号。"), "required": _("请填写原决定编号。")})
    grounds = forms.CharField(label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000,
                              error_messages={"required": _("请填写申诉理由。")})
    requested_amount = YuanField(label=_("请求核定的月救助金额（元，金额复核时填写）"))
    filed_on = forms.DateField(label=_("申诉日期（收到书面申诉的日期，默认今天）"), required=False, widget=DateInput,
                               error_messages={"invalid": _("请输入有效的日期。")})

    def __init__(self, *args, citizen: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if citizen:
            del self.fields["filed_on"]


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("复核结论"), choices=[(s.value, s.label) for s in
                                                          (Appeal.Status.UPHELD, Appeal.Status.PARTLY_UPHELD,
                                                           Appeal.Status.DISMISSED)])
    reason = forms.CharField(label=_("复核意见（告知申诉人）"), max_length=255, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请填写复核意见，该意见将告知申诉人。")})
    awarded_amount = YuanField(label=_("核定月救助金额（元，金额复核部分成立时填写）"))
    effective_from = forms.DateField(label=_("纠正生效日期（停发申诉部分成立时为恢复日期）"), required=False,
                                     widget=DateInput, error_messages={"invalid": _("请输入有效的日期。")})


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=255, required=False)


class DrawForm(forms.Form):
    batch = forms.IntegerField(label=_("发放批次编号"), min_value=1,
                               error_messages={"invalid": _("请输入有效的编号。"), "required": _("请填写批次编号。")})
    seed = forms.CharField(label=_("随机种子（留空自动生成）"), max_length=64, required=False)


class RecordForm(forms.Form):
    answer = forms.ChoiceField(label=_("回访结果"), choices=[c for c in VerificationCheck.Answer.choices
                                                         if c[0] != VerificationCheck.Answer.PENDING])
    method = forms.ChoiceField(label=_("回访方式"), choices=VerificationCheck.Method.choices)
    reported_amount = YuanField(label=_("本人所述实收金额（元，金额不符时填写）"))
    note = forms.CharField(label=_("情况说明"), max_length=255, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
