from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.money import to_fen
from portal.widgets import DateInput

from .models import Award, BrandEvent, CompetitionTier, Diploma, EmploymentFollowUp, RuleTemplate, Title

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
    sitting = forms.ModelChoiceField(label=_("考试场次（可选）"), queryset=None, required=False)
    sat_on = forms.DateField(label=_("考试日期"), widget=DateInput)
    theory_score = score_field(_("理论知识成绩（留空则沿用两年内合格成绩）"))
    practical_1 = score_field(_("考评员1评分"))
    practical_2 = score_field(_("考评员2评分"))
    practical_3 = score_field(_("考评员3评分"))
    practical_4 = score_field(_("考评员4评分"))
    practical_5 = score_field(_("考评员5评分"))
    practical_6 = score_field(_("考评员6评分"))
    practical_7 = score_field(_("考评员7评分"))
    review_score = score_field(_("综合评审成绩（二级、一级必填）"))

    def __init__(self, *args, institutions=None, sittings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["sitting"].queryset = sittings

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


class CompetitionForm(forms.Form):
    name = forms.CharField(label=_("赛事名称"), max_length=128)
    edition = forms.IntegerField(label=_("届次"), min_value=1)
    tier = forms.ChoiceField(label=_("赛事级别"), choices=CompetitionTier.choices)
    region = forms.RegexField(label=_("举办地行政区划代码"), regex=r"^\d{6}$", max_length=6)
    held_on = forms.DateField(label=_("比赛日期"), widget=DateInput)


class EntryForm(forms.Form):
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    name = forms.CharField(label=_("选手姓名"), max_length=64)
    dish_name = forms.CharField(label=_("参赛作品(菜品)"), max_length=64)


class JudgeScoresForm(forms.Form):
    """Five judge/score pairs; blank pairs are ignored; the service requires at least three."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, 6):
            self.fields[f"judge_{i}"] = forms.CharField(label=_("评委%(i)s") % {"i": i}, max_length=64, required=False)
            self.fields[f"score_{i}"] = score_field(_("评分%(i)s") % {"i": i})

    def scores(self) -> dict:
        data = self.cleaned_data
        return {data[f"judge_{i}"]: data[f"score_{i}"] for i in range(1, 6)
                if data.get(f"judge_{i}") and data.get(f"score_{i}") is not None}


class AwardForm(forms.Form):
    award = forms.ChoiceField(label=_("奖项"), choices=Award.choices)


class FollowUpForm(forms.Form):
    certificate_number = forms.CharField(label=_("证书编号"), max_length=22)
    followed_on = forms.DateField(label=_("回访日期"), widget=DateInput)
    outcome = forms.ChoiceField(label=_("就业情况"), choices=EmploymentFollowUp.Outcome.choices)
    brand = forms.ChoiceField(label=_("劳务品牌方向"), choices=EmploymentFollowUp.Brand.choices)
    employer = forms.CharField(label=_("就业单位/店名"), max_length=128, required=False)
    income_before = forms.CharField(label=_("培训前月收入（元）"), max_length=16, initial="0.00")
    income_after = forms.CharField(label=_("回访时月收入（元）"), max_length=16, initial="0.00")
    jobs_created = forms.IntegerField(label=_("带动就业人数"), min_value=0, initial=0)

    def _fen(self, field):
        try:
            return to_fen(self.cleaned_data[field])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None

    def clean_income_before(self):
        return self._fen("income_before")

    def clean_income_after(self):
        return self._fen("income_after")


class ReferralForm(forms.Form):
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    name = forms.CharField(label=_("姓名"), max_length=64)
    level_wanted = forms.TypedChoiceField(label=_("拟培训等级"), coerce=int, initial=5, choices=[
        (5, _("五级/初级工")), (4, _("四级/中级工")), (3, _("三级/高级工"))])
    note = forms.CharField(label=_("说明（如所在救助家庭情况）"), max_length=255, required=False)


class SittingForm(forms.Form):
    institution = forms.CharField(label=_("评价机构代码"), max_length=32)
    level = forms.TypedChoiceField(label=_("等级"), coerce=int,
                                   choices=[(5, "五级"), (4, "四级"), (3, "三级"), (2, "二级"), (1, "一级")])
    sat_on = forms.DateField(label=_("考试日期"), widget=DateInput)
    invigilators = forms.CharField(label=_("理论监考人员（逗号分隔）"), max_length=255)
    assessors = forms.CharField(label=_("技能考评员（逗号分隔，奇数名且至少3名）"), max_length=255)

    @staticmethod
    def names(value: str) -> list[str]:
        return [n.strip() for n in value.replace("，", ",").replace("、", ",").split(",") if n.strip()]


class CandidateForm(forms.Form):
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    name = forms.CharField(label=_("考生姓名"), max_length=64)


class ScoreSheetForm(forms.Form):
    file = forms.FileField(label=_("成绩表（CSV 或 XLSX）"),
                           help_text=_("表头：身份证号码,姓名,从业年限,理论成绩,各考评员姓名（每人一列）,综合评审成绩"))


class PublishForm(forms.Form):
    notice_working_days = forms.IntegerField(label=_("公示期（工作日）"), min_value=1, max_value=30, initial=5)


class ObjectionForm(forms.Form):
    assessment = forms.IntegerField(widget=forms.HiddenInput)
    raised_by = forms.CharField(label=_("提出人"), max_length=64)
    reason = forms.CharField(label=_("异议内容"), max_length=500)


class ObjectionResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(label=_("结论"), coerce=lambda v: v == "1",
                                    choices=[("0", _("异议不成立")), ("1", _("异议成立"))])
    resolution = forms.CharField(label=_("处理意见"), max_length=500)


class AssessorForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    region_code = forms.CharField(label=_("所属区域代码"), max_length=6, min_length=6)
    qualification_no = forms.CharField(label=_("考评员证书编号"), max_length=32)
    levels = forms.TypedMultipleChoiceField(label=_("可考评等级"), coerce=int, widget=forms.CheckboxSelectMultiple,
                                            choices=[(5, "五级"), (4, "四级"), (3, "三级"), (2, "二级"), (1, "一级")])
    valid_until = forms.DateField(label=_("资格有效期至"), widget=DateInput)


class InstitutionEditForm(forms.Form):
    name = forms.CharField(label=_("机构名称"), max_length=128)
    evaluator_code = forms.RegexField(label=_("评价机构代码（6位，可空）"), regex=r"^\d{6}$", max_length=6,
                                      required=False,
                                      error_messages={"invalid": _("评价机构代码应为6位数字，或留空。")})
    evaluator_type = forms.ChoiceField(label=_("评价机构类型"), choices=[("S", _("S 社会培训评价组织")),
                                                                         ("Y", _("Y 用人单位"))])
    address = forms.CharField(label=_("地址"), max_length=255, required=False)


LEVEL_CHOICES = [(5, _("五级/初级工")), (4, _("四级/中级工")), (3, _("三级/高级工")), (2, _("二级/技师")),
                 (1, _("一级/高级技师"))]


class ClassForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("培训机构"), queryset=None,
                                         error_messages={"invalid_choice": _("培训机构不存在或不在您的管辖范围内。")})
    name = forms.CharField(label=_("班级名称"), max_length=128)
    level = forms.TypedChoiceField(label=_("培训等级"), coerce=int, choices=LEVEL_CHOICES)
    starts_on = forms.DateField(label=_("开班日期"), widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"invalid": _("请输入有效日期，例如 2026-03-02。")})
    ends_on = forms.DateField(label=_("结业日期"), widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"invalid": _("请输入有效日期，例如 2026-04-17。")})
    teacher = forms.CharField(label=_("授课教师"), max_length=128)
    capacity = forms.IntegerField(label=_("容量（人）"), min_value=1, max_value=1000, initial=40)
    sessions = forms.IntegerField(label=_("课时数"), min_value=1, max_value=2000, initial=40)

    def __init__(self, *args, institutions=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        if editing:  # a class stays with its institution
            del self.fields["institution"]


class InstitutionForm(forms.Form):
    code = forms.CharField(label=_("机构代码"), max_length=32)
    name = forms.CharField(label=_("机构名称"), max_length=128)
    region_code = forms.CharField(label=_("所在区域代码"), max_length=6, min_length=6)
    evaluator_code = forms.CharField(label=_("评价机构代码（6位，可空）"), max_length=6, required=False)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)


# ---------------------------------------------------------------- the labour brand 亳州养生

class BrandTradeForm(forms.Form):
    code = forms.RegexField(label=_("板块代码"), regex=r"^[a-z0-9_]{1,32}$", max_length=32,
                            error_messages={"invalid": _("板块代码只能由小写字母、数字、下划线组成，例如 cuisine。")})
    name = forms.CharField(label=_("板块名称"), max_length=64)
    occupation = forms.CharField(label=_("对应职业(工种)"), max_length=64, required=False)
    region_code = forms.RegexField(label=_("品牌所在地区代码"), regex=r"^\d{6}$", max_length=6,
                                   error_messages={"invalid": _("请填写6位行政区划代码。")})
    standard_code = forms.ChoiceField(label=_("国家职业标准"), required=False)
    standard_note = forms.CharField(label=_("标准说明（无国家标准时必填）"), max_length=255, required=False)
    description = forms.CharField(label=_("简介"), max_length=255, required=False)
    position = forms.IntegerField(label=_("排序"), min_value=0, max_value=999, initial=0)

    def __init__(self, *args, **kwargs):
        from .models import Standard

        super().__init__(*args, **kwargs)
        self.fields["standard_code"].choices = [("", _("（无）"))] + [
            (s.code, f"{s.name}（{s.code}）") for s in Standard.objects.order_by("code")]


class BrandEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("活动类型"), choices=BrandEvent.Kind.choices)
    name = forms.CharField(label=_("活动名称"), max_length=128)
    held_on = forms.DateField(label=_("举办日期"), widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"invalid": _("请输入有效日期，例如 2025-09-20。")})
    place = forms.CharField(label=_("举办地点"), max_length=128)
    region_code = forms.RegexField(label=_("举办地区代码"), regex=r"^\d{6}$", max_length=6,
                                   error_messages={"invalid": _("请填写6位行政区划代码。")})
    trades = forms.MultipleChoiceField(label=_("涉及板块"), required=False,
                                       error_messages={"invalid_choice": _("所选板块不存在。")})
    participants = forms.IntegerField(label=_("参加人数"), min_value=0, max_value=10_000_000, initial=0)
    deals_signed = forms.IntegerField(label=_("签约项目数"), min_value=0, max_value=10_000_000, initial=0)
    deal_amount = forms.CharField(label=_("签约金额（元）"), required=False, initial="0",
                                  widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    jobs_offered = forms.IntegerField(label=_("提供岗位数"), min_value=0, max_value=10_000_000, initial=0)
    note = forms.CharField(label=_("备注"), max_length=255, required=False)

    def __init__(self, *args, trades=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trades"].choices = [(t.code, t.name) for t in trades]

    def clean_deal_amount(self):
        value = (self.cleaned_data.get("deal_amount") or "").strip()
        if not value:
            return 0
        try:
            return to_fen(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


class PilotRegionForm(forms.Form):
    region_code = forms.RegexField(label=_("试点地区代码"), regex=r"^\d{6}$", max_length=6,
                                   error_messages={"invalid": _("请填写6位行政区划代码。")})
    standard_code = forms.ChoiceField(label=_("职业标准"))
    approved_by = forms.CharField(label=_("批准部门"), max_length=64)
    approved_on = forms.DateField(label=_("批准日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                  error_messages={"invalid": _("请输入有效日期，例如 2025-03-01。")})
    note = forms.CharField(label=_("说明"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        from .models import Standard

        super().__init__(*args, **kwargs)
        self.fields["standard_code"].choices = [(s.code, f"{s.name}（{s.code}）") for s in Standard.objects.order_by("code")]
