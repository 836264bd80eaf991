import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal import idnumber
from portal.models import Region
from portal.money import to_fen
from portal.selectors import region_descendants
from portal.widgets import DateInput

from .models import DISABILITY_GRADES, HEALTH_STATES, Area, Category, Member, Scheme


def regions_for(user):
    if user.is_portal_admin or not user.region_id:
        return Region.objects.all().order_by("code")
    return region_descendants(user.region_id).order_by("code")


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class IdNumberFormField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 18)
        kwargs.setdefault("label", _("身份证号码"))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return idnumber.validate_id_number(value) if value else value


class MoneyFormField(forms.CharField):
    """Yuan in, integer fen out."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return 0
        return to_fen(value)


class HouseholdForm(forms.Form):
    region = RegionChoiceField(label=_("所在区域"), queryset=Region.objects.none())
    # the street / community chosen in the pickers below the district (region_cascade.js fills it)
    locality = forms.CharField(label=_("街道/社区"), max_length=12, required=False, widget=forms.HiddenInput)
    area = forms.ChoiceField(label=_("城乡类别"), choices=Area.choices)
    address = forms.CharField(label=_("住址"), max_length=255, help_text=_("门牌号等详细地址。"))
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    bank_account = forms.CharField(label=_("银行账号"), max_length=32, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_for(user)


class MemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_number = IdNumberFormField(help_text=_("18位，最后一位可为X。"))
    # a blank first choice: an untouched extra row stays unchanged and is ignored (a preselected
    # "户主" made every blank row count as filled in and fail as incomplete)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=[("", _("请选择")), *Member.Relation.choices])
    disability_grade = forms.ChoiceField(label=_("残疾等级"), choices=DISABILITY_GRADES, required=False)
    health = forms.ChoiceField(label=_("健康状况"), choices=HEALTH_STATES, required=False)


# One row to start (the head, required); more rows are added in the browser (household_form.js clones the
# formset's empty form and raises TOTAL_FORMS). Rows beyond the first are optional: left blank, ignored.
MemberFormSet = forms.formset_factory(MemberForm, extra=0, min_num=1, validate_min=True, max_num=20,
                                      validate_max=True)


class EnrolmentForm(forms.Form):
    id_number = IdNumberFormField()
    category = forms.ChoiceField(label=_("救助类别"), choices=Category.choices)
    monthly_amount = MoneyFormField(label=_("月救助金额（元）"), required=False)
    start = forms.DateField(label=_("起始日期"), widget=DateInput)
    end = forms.DateField(label=_("终止日期"), required=False, widget=DateInput)


class SchemeForm(forms.Form):
    campaign = forms.CharField(label=_("专项行动"), max_length=128, required=False, initial="2025–26 寒冬送温暖")
    name = forms.CharField(label=_("项目名称"), max_length=128)
    kind = forms.ChoiceField(label=_("类型"), choices=Scheme.Kind.choices)
    region = RegionChoiceField(label=_("实施区域"), queryset=Region.objects.none())
    unit = forms.ChoiceField(label=_("发放单位"), choices=Scheme.Unit.choices)
    categories = forms.MultipleChoiceField(label=_("对象类别"), choices=Category.choices,
                                           widget=forms.CheckboxSelectMultiple)
    urban_amount = MoneyFormField(label=_("城市标准（元）"), required=False)
    rural_amount = MoneyFormField(label=_("农村标准（元）"), required=False)
    months = forms.IntegerField(label=_("月数（增发/提前发放）"), min_value=1, max_value=12, initial=1)
    budget = MoneyFormField(label=_("预算（元）"))
    deadline = forms.DateField(label=_("发放截止日期"), widget=DateInput,
                               initial=dt.date(2026, 2, 10))
    payment_form = forms.ChoiceField(label=_("发放形式"), choices=Scheme.PaymentForm.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_for(user)


class SchemeChoiceField(forms.ModelChoiceField):
    """A scheme with its deadline, marked when it has passed (a batch for it is a late payment)."""

    def label_from_instance(self, obj):
        from django.utils import timezone

        from portal.templatetags.portal_tags import cn_date

        label = f"{obj.name}（{_('截止')} {cn_date(obj.deadline)}）"
        if obj.deadline < timezone.localdate():
            label += f" · {_('已过发放截止日期')}"
        return label


class BatchForm(forms.Form):
    scheme = SchemeChoiceField(label=_("救助项目"), queryset=Scheme.objects.none())
    region = RegionChoiceField(label=_("发放区域"), queryset=Region.objects.none())

    def __init__(self, *args, user, schemes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = schemes
        self.fields["region"].queryset = regions_for(user)


class AllocationForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    region = RegionChoiceField(label=_("下拨到"), queryset=Region.objects.none())
    amount = MoneyFormField(label=_("下拨金额（元）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_for(user)


class BankResultForm(forms.Form):
    file = forms.FileField(label=_("银行回盘文件（CSV）"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 20 * 1024 * 1024:
            raise ValidationError(_("文件过大。"))
        return f


class RosterImportForm(forms.Form):
    file = forms.FileField(label=_("花名册文件（CSV 或 XLSX）"))
    only_valid = forms.BooleanField(label=_("有错误时只导入无误的家庭"), required=False)

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".csv", ".xlsx")):
            raise ValidationError(_("请上传 CSV 或 XLSX 文件。"))
        if f.size > 10 * 1024 * 1024:
            raise ValidationError(_("文件过大（最大 10 MB）。"))
        return f


class HouseholdEditForm(forms.Form):
    area = forms.ChoiceField(label=_("城乡类别"), choices=Area.choices)
    address = forms.CharField(label=_("住址"), max_length=255)
    bank_account = forms.CharField(label=_("银行账号"), max_length=32, required=False,
                                   help_text=_("留空表示不变更；输入新账号将替换原账号。"))


class MemberAddForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64, required=False,
                           help_text=_("迁入已登记人员时可不填。"))
    id_number = IdNumberFormField()
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Member.Relation.choices)
    move = forms.BooleanField(label=_("该人员已在其他家庭：办理迁入（原家庭自动迁出）"), required=False)


class IncomeItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("收入类型"), choices=[])
    monthly_amount = MoneyFormField(label=_("月收入（元）"))
    member = forms.ModelChoiceField(label=_("成员"), queryset=Member.objects.none(), required=False)
    note = forms.CharField(label=_("说明"), max_length=255, required=False)

    def __init__(self, *args, household, **kwargs):
        from .models import IncomeItem

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = IncomeItem.Kind.choices
        self.fields["member"].queryset = Member.objects.filter(household=household, left_on__isnull=True) \
            .select_related("person")


class AssetForm(forms.Form):
    kind = forms.ChoiceField(label=_("财产类型"), choices=[])
    quantity = forms.IntegerField(label=_("数量（套/辆）"), min_value=0, initial=1)
    value = MoneyFormField(label=_("金额（元）"), required=False)
    note = forms.CharField(label=_("说明"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        from .models import Asset

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Asset.Kind.choices


class MeansTestForm(forms.Form):
    category = forms.ChoiceField(label=_("核对用于"), choices=[("dibao", _("城乡低保")), ("tekun", _("特困人员"))])
    on = forms.DateField(label=_("核对基准日"), required=False, widget=DateInput)


class HouseholdEnrolForm(forms.Form):
    category = forms.ChoiceField(label=_("救助类别"), choices=[("dibao", _("城乡低保")), ("tekun", _("特困人员"))])
    start = forms.DateField(label=_("起始日期"), widget=DateInput)


class EnrolmentActionForm(forms.Form):
    on = forms.DateField(label=_("生效日期"), required=False, widget=DateInput)
    reason = forms.CharField(label=_("原因"), max_length=255, required=False)


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=_("复核结论"), choices=[("confirm", _("维持原认定")), ("amount", _("重新核对并调整金额")),
                                                          ("exit", _("启动退出（渐退）"))])
    note = forms.CharField(label=_("复核意见"), max_length=255, required=False)


class BulkEnrolmentForm(forms.Form):
    """The enrolment table's action: enrol the selected members, or stop / end their enrolments."""

    action = forms.ChoiceField(label=_("办理事项"), choices=[("enrol", _("认定（新增）")), ("stop", _("停发")),
                                                         ("end", _("终止（到期）"))])
    category = forms.ChoiceField(label=_("救助类别"), choices=Category.choices)
    monthly_amount = MoneyFormField(label=_("月救助金额（元）"), required=False,
                                    help_text=_("认定时填写；停发、终止时不用填。"))
    on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}),
                         help_text=_("认定为起始日期，停发为停发日期，终止为终止日期。"))
    reason = forms.CharField(label=_("原因"), max_length=255, required=False, help_text=_("停发须填写原因。"))
