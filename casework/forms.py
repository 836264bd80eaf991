"""Thin forms: parse input for one service each. Money fields take yuan and give fen."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.money import to_fen
from portal.widgets import DateInput, DateTimeInput  # text inputs with Chinese format hints

from .models import (
    AffectedHousehold,
    ApplicationCategory,
    ApplicationDocument,
    ColdWaveAlert,
    DisasterEvent,
    DiscoveryTask,
    Encounter,
    Handover,
    NoticeFollowUp,
    Shelter,
    TemporaryAid,
    Visit,
)


class YuanField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("单位：元，例如 800.00"))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return 0
        try:
            return to_fen(value)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


class ApplicationForm(forms.Form):
    id_number = forms.CharField(label=_("申请人身份证号码"), max_length=18)
    name = forms.CharField(label=_("申请人姓名"), max_length=64)
    region = forms.CharField(label=_("受理区域代码"), max_length=6, min_length=6)
    category = forms.ChoiceField(label=_("申请类别"), choices=ApplicationCategory.choices)
    requested_amount = YuanField(label=_("申请金额（元/月；临时救助为一次性金额）"), required=False)
    reason = forms.CharField(label=_("申请事由"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    document = forms.FileField(label=_("证明材料（PDF/JPG/PNG，不超过 5 MB）"), required=False)
    document_kind = forms.ChoiceField(label=_("材料类型"), choices=ApplicationDocument.Kind.choices, required=False)


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("证明材料（PDF/JPG/PNG，不超过 5 MB）"))
    kind = forms.ChoiceField(label=_("材料类型"), choices=ApplicationDocument.Kind.choices)


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("审核意见"), max_length=255, required=False)


class ConfirmForm(forms.Form):
    approved_amount = YuanField(label=_("核定金额（元）"), required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("不予认定理由（将告知申请人）"), max_length=255)


class TemporaryAidForm(forms.Form):
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    name = forms.CharField(label=_("姓名"), max_length=64)
    region = forms.CharField(label=_("实施区域（急难发生地）代码"), max_length=6, min_length=6)
    kind = forms.ChoiceField(label=_("救助类型"), choices=TemporaryAid.Kind.choices)
    form = forms.ChoiceField(label=_("救助形式"), choices=TemporaryAid.Form.choices)
    amount = YuanField(label=_("金额（元；实物按折合金额）"))
    goods = forms.CharField(label=_("实物内容"), max_length=255, required=False)
    reason = forms.CharField(label=_("事由"), widget=forms.Textarea(attrs={"rows": 3}))


class PostReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=_("复核结论"), choices=TemporaryAid.ReviewOutcome.choices)
    note = forms.CharField(label=_("复核意见"), max_length=255, required=False)


class PatrolForm(forms.Form):
    region = forms.CharField(label=_("巡查区域代码"), max_length=6, min_length=6)
    area = forms.CharField(label=_("巡查路段/片区"), max_length=255)
    members = forms.CharField(label=_("巡查人员"), max_length=255, required=False)
    started_at = forms.DateTimeField(label=_("开始时间"), widget=DateTimeInput)
    vehicle = forms.CharField(label=_("车辆"), max_length=32, required=False)
    vehicles_sent = forms.IntegerField(label=_("出动车辆数"), min_value=0, initial=1)
    inventory = forms.ModelChoiceField(label=_("随车物资"), queryset=None, required=False)
    staff = forms.ModelMultipleChoiceField(label=_("巡查人员（本区域工作人员，带队人自动计入）"), queryset=None,
                                           required=False)

    def __init__(self, *args, inventories=None, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inventory"].queryset = inventories
        self.fields["staff"].queryset = staff
        self.fields["staff"].label_from_instance = lambda u: f"{u.get_full_name() or u.get_username()}（{u.get_username()}）"


class EncounterForm(forms.Form):
    at = forms.DateTimeField(label=_("时间"), widget=DateTimeInput)
    location = forms.CharField(label=_("地点"), max_length=255)
    id_number = forms.CharField(label=_("身份证号码（能查明时）"), max_length=18, required=False)
    name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    unidentified_description = forms.CharField(label=_("身份不明时：体貌特征"), max_length=500, required=False)
    condition = forms.ChoiceField(label=_("状况"), choices=Encounter.Condition.choices)
    food = forms.IntegerField(label=_("发放食品（份）"), min_value=0, initial=0)
    clothing = forms.IntegerField(label=_("发放衣物（件）"), min_value=0, initial=0)
    bedding = forms.IntegerField(label=_("发放被褥（套）"), min_value=0, initial=0)
    outcome = forms.ChoiceField(label=_("处置结果"), choices=Encounter.Outcome.choices)
    shelter = forms.ModelChoiceField(label=_("入住场所"), queryset=None, required=False)
    help_contact = forms.CharField(label=_("留下的求助方式"), max_length=128, required=False)
    vulnerable = forms.ChoiceField(label=_("特殊群体"), choices=Encounter.Vulnerable.choices, required=False)
    escort_with = forms.ChoiceField(label=_("联合护送单位"), choices=[("", "—")] + list(Encounter.EscortWith.choices),
                                    required=False)
    handed_to = forms.CharField(label=_("交接单位/接收人"), max_length=128, required=False)
    notes = forms.CharField(label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, shelters=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shelter"].queryset = shelters


class LinkForm(forms.Form):
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    name = forms.CharField(label=_("姓名"), max_length=64)


class VisitForm(forms.Form):
    household = forms.IntegerField(label=_("家庭编号"))
    visited_on = forms.DateField(label=_("走访日期"), widget=DateInput)
    kind = forms.ChoiceField(label=_("走访类型"), choices=Visit.Kind.choices)
    notes = forms.CharField(label=_("情况记录"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    goods = forms.CharField(label=_("慰问物品"), max_length=255, required=False)
    cash = YuanField(label=_("慰问金（元）"), required=False)


class ResolveForm(forms.Form):
    action = forms.ChoiceField(label=_("处置方式"), choices=[("", _("（排除）"))] + list(DiscoveryTask.Action.choices),
                               required=False)
    action_ref = forms.CharField(label=_("处置记录编号"), max_length=32, required=False)
    dismiss_reason = forms.CharField(label=_("排除理由"), max_length=255, required=False)


class ReportForm(forms.Form):
    region = forms.CharField(label=_("区域代码"), max_length=6, required=False)
    start = forms.DateField(label=_("开始日期"), widget=DateInput, required=False)
    end = forms.DateField(label=_("结束日期"), widget=DateInput, required=False)


class ShelterForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Shelter.Kind.choices)
    name = forms.CharField(label=_("名称"), max_length=128)
    region = forms.CharField(label=_("区域代码"), max_length=6, min_length=6)
    address = forms.CharField(label=_("地址"), max_length=255)
    capacity = forms.IntegerField(label=_("床位/容量"), min_value=0)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    latitude = forms.DecimalField(label=_("纬度"), max_digits=9, decimal_places=6, required=False)
    longitude = forms.DecimalField(label=_("经度"), max_digits=9, decimal_places=6, required=False)


class ShelterEditForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=128)
    address = forms.CharField(label=_("地址"), max_length=255)
    capacity = forms.IntegerField(label=_("床位/容量"), min_value=0)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    active = forms.BooleanField(label=_("启用"), required=False)


class CheckInForm(forms.Form):
    id_number = forms.CharField(label=_("身份证号码（能查明时）"), max_length=18, required=False)
    name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    unidentified_description = forms.CharField(label=_("身份不明时：体貌特征"), max_length=500, required=False)
    at = forms.DateTimeField(label=_("入住时间"), widget=DateTimeInput, required=False)


class CheckOutForm(forms.Form):
    destination = forms.CharField(label=_("离站去向"), max_length=255)


class PolicyForm(forms.Form):
    region = forms.CharField(label=_("区域代码"), max_length=6, min_length=6)
    normal_days = forms.IntegerField(label=_("审核确认时限（天）"), min_value=1, max_value=365, initial=30)
    fast_track_days = forms.IntegerField(label=_("快速通道时限（天）"), min_value=1, max_value=365, initial=10)
    small_aid_threshold = YuanField(label=_("小额快救标准（元）"), initial="1000.00")
    yearly_cap = YuanField(label=_("临时救助年度上限（元/人）"), initial="10000.00")
    patrols_per_day = forms.IntegerField(label=_("每日巡查次数"), min_value=1, max_value=48, initial=1)


class FastTrackForm(forms.Form):
    region = forms.CharField(label=_("区域代码"), max_length=6, min_length=6)
    name = forms.CharField(label=_("名称"), max_length=64)
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput)
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput)


class AlertForm(forms.Form):
    region = forms.CharField(label=_("区域代码"), max_length=6, min_length=6)
    level = forms.ChoiceField(label=_("预警级别"), choices=ColdWaveAlert.Level.choices)
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput)
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput)
    patrols_per_day = forms.IntegerField(label=_("预警期间每日巡查次数"), min_value=1, max_value=48, initial=3)


class HandoverForm(forms.Form):
    id_number = forms.CharField(label=_("受助人员身份证号码（能查明时）"), max_length=18, required=False)
    name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    unidentified = forms.IntegerField(label=_("身份不明人员编号（无身份证时）"), required=False)
    region = forms.CharField(label=_("移交区域代码（本地）"), max_length=6, min_length=6)
    to_region = forms.CharField(label=_("接收区域代码（户籍地/返乡地）"), max_length=6, min_length=6)
    method = forms.ChoiceField(label=_("返乡方式"), choices=Handover.Method.choices)
    escort_by = forms.CharField(label=_("护送人员/联系人及电话"), max_length=128)
    depart_at = forms.DateTimeField(label=_("出发时间"), widget=DateTimeInput)
    destination = forms.CharField(label=_("送达地点"), max_length=255)
    note = forms.CharField(label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=255, required=False)


class NoticeAckForm(forms.Form):
    follow_up = forms.ChoiceField(label=_("后续处置"), choices=NoticeFollowUp.choices)
    note = forms.CharField(label=_("处置说明"), max_length=255, required=False)


class DisasterEventForm(forms.Form):
    region = forms.CharField(label=_("受灾区域代码"), max_length=6, min_length=6)
    kind = forms.ChoiceField(label=_("灾种"), choices=DisasterEvent.Kind.choices)
    name = forms.CharField(label=_("名称"), max_length=128)
    area = forms.CharField(label=_("受灾范围（乡镇/村）"), max_length=255, required=False)
    occurred_on = forms.DateField(label=_("发生日期"), widget=DateInput)
    emergency_ends_on = forms.DateField(label=_("应急期结束日期"), widget=DateInput)
    transition_ends_on = forms.DateField(label=_("过渡期结束日期"), widget=DateInput)


class AffectedForm(forms.Form):
    id_number = forms.CharField(label=_("户主身份证号码"), max_length=18)
    name = forms.CharField(label=_("户主姓名"), max_length=64)
    people = forms.IntegerField(label=_("受灾人数"), min_value=1, max_value=50, initial=1)
    damage = forms.ChoiceField(label=_("受灾程度"), choices=AffectedHousehold.Damage.choices)
    region = forms.CharField(label=_("所在区域代码（默认灾害区域）"), max_length=6, required=False)
    note = forms.CharField(label=_("情况说明"), max_length=255, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("受灾家庭名单（CSV 或 XLSX；表头：身份证号码、姓名、受灾人数、受灾程度、区域代码、情况说明）"))


class DisasterAidForm(forms.Form):
    phase = forms.ChoiceField(label=_("阶段"), choices=[("emergency", _("应急期生活救助")),
                                                      ("transition", _("过渡期生活救助"))])
    amount = YuanField(label=_("金额（元）"))
    granted_on = forms.DateField(label=_("救助日期（默认今天）"), widget=DateInput, required=False)
    reason = forms.CharField(label=_("事由"), max_length=255, required=False)


class DisasterReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=_("复核结论"), choices=AffectedHousehold.Outcome.choices)
    reason = forms.CharField(label=_("理由（无需救助时必填）"), max_length=255, required=False)
    ref = forms.CharField(label=_("衔接记录编号（申请或临时救助编号，可选）"), max_length=32, required=False)


class HeatingAidForm(forms.Form):
    amount = YuanField(label=_("取暖临时救助金额（元）"))
    reason = forms.CharField(label=_("困难情况（如低保边缘、新近遭遇困难，未纳入取暖救助）"),
                             widget=forms.Textarea(attrs={"rows": 2}))
