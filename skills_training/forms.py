from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Diploma, RuleTemplate, Title

SCORE_ATTRS = {"min": "0", "max": "100", "step": "0.01", "inputmode": "decimal"}


def score_field(label, required=False):
    return forms.DecimalField(label=label, required=required, min_value=0, max_value=100, max_digits=5,
                              decimal_places=2, widget=forms.NumberInput(attrs=SCORE_ATTRS))


class VerifyForm(forms.Form):
    number = forms.CharField(label=_("证书编号"), max_length=32,
                             widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                           "placeholder": "S34160034162651000001"}))
    name = forms.CharField(label=_("持证人姓名"), max_length=64)


class AssessmentForm(forms.Form):
    """Up to seven practical fields; the service checks the count is odd and at least three."""

    PRACTICAL_FIELDS = [f"practical_{i}" for i in range(1, 8)]

    candidate_id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    candidate_name = forms.CharField(label=_("考生姓名"), max_length=64)
    level = forms.TypedChoiceField(label=_("申报等级"), coerce=int, choices=[
        (5, _("五级/初级工")), (4, _("四级/中级工")), (3, _("三级/高级工")), (2, _("二级/技师")), (1, _("一级/高级技师"))])
    rule_template = forms.ChoiceField(label=_("申报条件版本"), choices=RuleTemplate.choices, initial="2023")
    years_in_trade = forms.DecimalField(label=_("从业年限（年）"), min_value=0, max_value=80, decimal_places=1)
    diploma = forms.TypedChoiceField(label=_("学历"), coerce=int, choices=Diploma.choices, initial=0)
    title = forms.TypedChoiceField(label=_("职称"), coerce=int, choices=Title.choices, initial=0)
    institution = forms.ModelChoiceField(label=_("评价机构"), queryset=None, required=False)
    sat_on = forms.DateField(label=_("考试日期"), widget=forms.DateInput(attrs={"type": "date"}))
    theory_score = score_field(_("理论知识成绩（留空则沿用两年内合格成绩）"))
    practical_1 = score_field(_("考评员1评分"))
    practical_2 = score_field(_("考评员2评分"))
    practical_3 = score_field(_("考评员3评分"))
    practical_4 = score_field(_("考评员4评分"))
    practical_5 = score_field(_("考评员5评分"))
    practical_6 = score_field(_("考评员6评分"))
    practical_7 = score_field(_("考评员7评分"))
    review_score = score_field(_("综合评审成绩（二级、一级必填）"))

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions

    def practical_scores(self):
        return [self.cleaned_data[f] for f in self.PRACTICAL_FIELDS if self.cleaned_data.get(f) is not None]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=255)


class EnrolmentForm(forms.Form):
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    name = forms.CharField(label=_("姓名"), max_length=64)


class AttendanceForm(forms.Form):
    attendance = forms.IntegerField(label=_("出勤课时"), min_value=0)
    completed = forms.BooleanField(label=_("已结业"), required=False)
