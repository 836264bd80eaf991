"""Casework: applications, temporary aid, street relief, visits, proactive discovery.

Money is integer fen (BigIntegerField, CHECK >= 0). Every write goes through `casework.services`.
"""

import os
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance.models import Household
from portal import pii
from portal.models import Person, Region
from portal.roles import CIVIL_STAFF
from portal.scoping import Scope
from portal.storage import private_storage

User = settings.AUTH_USER_MODEL


class RegionPolicy(models.Model):
    """Time limits, thresholds and caps of one region (applies to it and below unless a lower one exists)."""

    region = models.OneToOneField(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    normal_days = models.PositiveSmallIntegerField(_("审核确认时限（天）"), default=30)
    fast_track_days = models.PositiveSmallIntegerField(_("快速通道时限（天）"), default=10)
    small_aid_threshold = models.BigIntegerField(_("小额快救标准（分）"), default=100000)
    yearly_cap = models.BigIntegerField(_("临时救助年度上限（分/人）"), default=1000000)
    patrols_per_day = models.PositiveSmallIntegerField(_("每日巡查次数"), default=1)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("区域救助政策")
        verbose_name_plural = _("区域救助政策")
        constraints = [
            models.CheckConstraint(condition=Q(small_aid_threshold__gte=0) & Q(yearly_cap__gte=0),
                                   name="cw_policy_money_nonneg"),
            models.CheckConstraint(condition=Q(fast_track_days__lte=F("normal_days")), name="cw_policy_fast_le_normal"),
        ]

    def __str__(self):
        return f"{self.region_id}"


class FastTrackPeriod(models.Model):
    """Holiday fast track: applications received in [starts_on, ends_on] get the shorter time limit."""

    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=64)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("快速通道期")
        verbose_name_plural = _("快速通道期")
        ordering = ["-starts_on"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="cw_fasttrack_dates")]

    def __str__(self):
        return self.name


class ApplicationCategory(models.TextChoices):
    DIBAO = "dibao", _("城乡低保")
    TEKUN = "tekun", _("特困人员")
    TEMPORARY = "temporary", _("临时救助")


class Application(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        REVIEWED = "reviewed", _("已审核待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("不予认定")

    OPEN = (Status.SUBMITTED, Status.REVIEWED)

    person = models.ForeignKey(Person, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, verbose_name=_("家庭"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("受理区域"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("申请类别"), max_length=16, choices=ApplicationCategory.choices)
    requested_amount = models.BigIntegerField(_("申请月救助金额（分）"), default=0)
    reason = models.TextField(_("申请事由"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    received_on = models.DateField(_("受理日期"))
    due_on = models.DateField(_("办结时限"))
    fast_track = models.BooleanField(_("快速通道"), default=False)
    received_by = models.ForeignKey(User, verbose_name=_("受理人"), on_delete=models.PROTECT, related_name="+")
    reviewed_by = models.ForeignKey(User, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=255, blank=True)
    decided_by = models.ForeignKey(User, verbose_name=_("确认人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    approved_amount = models.BigIntegerField(_("核定金额（分）"), null=True, blank=True)
    rejection_reason = models.CharField(_("不予认定理由（告知申请人）"), max_length=255, blank=True)
    enrolment = models.ForeignKey("assistance.Enrolment", verbose_name=_("认定记录"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    temporary_aid = models.ForeignKey("TemporaryAid", verbose_name=_("临时救助"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("救助申请")
        verbose_name_plural = _("救助申请")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(requested_amount__gte=0), name="cw_app_amount_nonneg"),
            models.CheckConstraint(condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0),
                                   name="cw_app_approved_nonneg"),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                                   name="cw_app_rejection_has_reason"),
        ]
        indexes = [models.Index(fields=["region", "status", "due_on"], name="cw_app_queue_idx")]

    def __str__(self):
        return f"{self.get_category_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


def document_path(instance, filename):
    ext = os.path.splitext(filename)[1].lower()
    return f"casework/documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"


class ApplicationDocument(models.Model):
    class Kind(models.TextChoices):
        ID_CARD = "id_card", _("身份证明")
        HOUSEHOLD = "household", _("户籍证明")
        INCOME = "income", _("收入证明")
        MEDICAL = "medical", _("医疗证明")
        OTHER = "other", _("其他材料")

    application = models.ForeignKey(Application, verbose_name=_("申请"), on_delete=models.PROTECT,
                                    related_name="documents")
    kind = models.CharField(_("材料类型"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("文件"), upload_to=document_path, max_length=200, storage=private_storage)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件格式"), max_length=32)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="application__region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class TemporaryAid(models.Model):
    class Kind(models.TextChoices):
        EMERGENCY = "emergency", _("急难型")
        TRANSITION = "transition", _("过渡型")
        BRIDGING = "bridging", _("衔接型")
        SUPPLEMENT = "supplement", _("补充型")

    class Form(models.TextChoices):
        CASH = "cash", _("现金")
        IN_KIND = "in_kind", _("实物")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        GRANTED = "granted", _("已批准")
        PAID = "paid", _("已发放")
        FAILED = "failed", _("发放失败")
        REJECTED = "rejected", _("不予批准")

    COUNTED = (Status.PENDING, Status.GRANTED, Status.PAID, Status.FAILED)

    class Purpose(models.TextChoices):
        GENERAL = "general", _("临时救助")
        HEATING = "heating", _("取暖临时救助")
        DISASTER = "disaster", _("受灾人员生活救助")

    class ReviewOutcome(models.TextChoices):
        CONFIRMED = "confirmed", _("复核无误")
        IRREGULAR = "irregular", _("复核发现问题")

    person = models.ForeignKey(Person, verbose_name=_("救助对象"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, verbose_name=_("家庭"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("实施区域（急难发生地）"), on_delete=models.PROTECT,
                               related_name="+")
    home_region = models.ForeignKey(Region, verbose_name=_("户籍/居住地"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    non_resident = models.BooleanField(_("急难发生地直接救助（非本地人员）"), default=False)
    kind = models.CharField(_("救助类型"), max_length=16, choices=Kind.choices)
    form = models.CharField(_("救助形式"), max_length=16, choices=Form.choices, default=Form.CASH)
    amount = models.BigIntegerField(_("金额（分）"))
    goods = models.CharField(_("实物内容"), max_length=255, blank=True)
    reason = models.TextField(_("事由"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    fast_track = models.BooleanField(_("小额快救"), default=False)
    needs_review = models.BooleanField(_("待事后复核"), default=False)
    review_outcome = models.CharField(_("复核结论"), max_length=16, choices=ReviewOutcome.choices, blank=True)
    review_note = models.CharField(_("复核意见"), max_length=255, blank=True)
    reviewed_by = models.ForeignKey(User, verbose_name=_("复核人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    granted_on = models.DateField(_("救助日期"))
    created_by = models.ForeignKey(User, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(User, verbose_name=_("审批人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(_("不予批准理由"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    purpose = models.CharField(_("用途"), max_length=16, choices=Purpose.choices, default=Purpose.GENERAL)
    disaster_household = models.ForeignKey("AffectedHousehold", verbose_name=_("受灾家庭"), null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="aids")

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("临时救助")
        verbose_name_plural = _("临时救助")
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="cw_aid_amount_gt_0")]
        indexes = [models.Index(fields=["person", "granted_on"], name="cw_aid_person_year_idx"),
                   models.Index(fields=["region", "granted_on"], name="cw_aid_region_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class AidPayment(models.Model):
    """The one payment of one cash aid: the unique key on `aid` means it can never be paid twice."""

    aid = models.OneToOneField(TemporaryAid, verbose_name=_("临时救助"), on_delete=models.PROTECT,
                               related_name="payment")
    channel = models.CharField(_("渠道"), max_length=16)
    amount = models.BigIntegerField(_("金额（分）"))
    outcome = models.CharField(_("结果"), max_length=16)
    reference = models.CharField(_("流水号"), max_length=64, blank=True)
    message = models.CharField(_("说明"), max_length=255, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    scope = Scope(region="aid__region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("临时救助发放")
        verbose_name_plural = _("临时救助发放")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="cw_aidpay_amount_gt_0")]

    def __str__(self):
        return f"{self.reference} {self.outcome}"


class NoticeFollowUp(models.TextChoices):
    VISIT = "visit", _("入户走访核实")
    APPLICATION = "application", _("受理低保/特困申请")
    TEMPORARY_AID = "temporary_aid", _("给予临时救助")
    ALREADY_COVERED = "covered", _("已在保，无需处置")
    NO_ACTION = "none", _("无需处置")


class HomeRegionNotice(models.Model):
    """急难发生地直接救助: the report entry the person's home region receives."""

    aid = models.OneToOneField(TemporaryAid, on_delete=models.PROTECT, related_name="home_notice")
    region = models.ForeignKey(Region, verbose_name=_("户籍/居住地区域"), on_delete=models.PROTECT, related_name="+")
    from_region = models.ForeignKey(Region, verbose_name=_("实施救助区域"), on_delete=models.PROTECT,
                                    related_name="+")
    person = models.ForeignKey(Person, verbose_name=_("救助对象"), on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("金额（分）"))
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(User, verbose_name=_("签收人"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    follow_up = models.CharField(_("户籍地后续处置"), max_length=16, choices=NoticeFollowUp.choices, blank=True)
    follow_up_note = models.CharField(_("处置说明"), max_length=255, blank=True)

    # the home region acts on it; the region that aided sees whether it was received
    scope = Scope(region=("region_id", "from_region_id"), roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("异地救助通报")
        verbose_name_plural = _("异地救助通报")
        ordering = ["-id"]

    def __str__(self):
        return f"{_('异地救助通报')} #{self.pk}"


# --------------------------------------------------------------------------- street relief


class Shelter(models.Model):
    class Kind(models.TextChoices):
        WARMING = "warming", _("避寒场所")
        STATION = "station", _("救助点")
        GUIDE = "guide", _("求助引导点")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=128)
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("地址"), max_length=255)
    capacity = models.PositiveIntegerField(_("床位/容量"), default=0)
    occupancy = models.PositiveIntegerField(_("在住人数"), default=0)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    opened_on = models.DateField(_("设立日期"), default=timezone.localdate)
    active = models.BooleanField(_("启用"), default=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("救助场所")
        verbose_name_plural = _("救助场所")
        ordering = ["region_id", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(occupancy__lte=F("capacity")), name="cw_shelter_not_over_capacity"),
            models.CheckConstraint(condition=Q(occupancy__gte=0) & Q(capacity__gte=0), name="cw_shelter_nonneg"),
        ]

    def __str__(self):
        return self.name


class Inventory(models.Model):
    """Relief supplies of a store or a patrol vehicle; decremented in the encounter's transaction."""

    name = models.CharField(_("名称"), max_length=128)
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    food = models.IntegerField(_("食品（份）"), default=0)
    clothing = models.IntegerField(_("衣物（件）"), default=0)
    bedding = models.IntegerField(_("被褥（套）"), default=0)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("救助物资库存")
        verbose_name_plural = _("救助物资库存")
        ordering = ["region_id", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(food__gte=0) & Q(clothing__gte=0) & Q(bedding__gte=0),
                                   name="cw_inventory_nonneg"),
        ]

    def __str__(self):
        return self.name


class Patrol(models.Model):
    region = models.ForeignKey(Region, verbose_name=_("巡查区域"), on_delete=models.PROTECT, related_name="+")
    area = models.CharField(_("巡查路段/片区"), max_length=255)
    leader = models.ForeignKey(User, verbose_name=_("带队人"), on_delete=models.PROTECT, related_name="+")
    members = models.CharField(_("巡查人员"), max_length=255, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    vehicle = models.CharField(_("车辆"), max_length=32, blank=True)
    vehicles_sent = models.PositiveSmallIntegerField(_("出动车辆数"), default=0)
    inventory = models.ForeignKey(Inventory, verbose_name=_("随车物资"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("巡查")
        verbose_name_plural = _("巡查")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.area} {self.started_at:%Y-%m-%d %H:%M}"


class UnidentifiedPerson(models.Model):
    """先行救助再查明情况: aided first, linked to a Person once identified."""

    region = models.ForeignKey(Region, verbose_name=_("发现区域"), on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("体貌特征"))
    sex = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))], blank=True)
    approx_age = models.PositiveSmallIntegerField(_("估计年龄"), null=True, blank=True)
    person = models.ForeignKey(Person, verbose_name=_("查明身份"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(_("查明时间"), null=True, blank=True)
    linked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("身份不明人员")
        verbose_name_plural = _("身份不明人员")
        ordering = ["-id"]

    def __str__(self):
        return f"{_('身份不明人员')} #{self.pk}"


class Encounter(models.Model):
    class Condition(models.TextChoices):
        COLD = "cold", _("受冻")
        HUNGRY = "hungry", _("饥饿")
        ILL = "ill", _("患病")
        INJURED = "injured", _("受伤")
        MENTAL = "mental", _("疑似精神障碍")
        OTHER = "other", _("其他")

    class Outcome(models.TextChoices):
        SHELTER = "shelter", _("护送入住救助场所")
        REFUSED = "refused", _("拒绝入站（留下物资和求助方式）")
        ESCORTED = "escorted", _("联合护送至救助管理站")
        ON_SITE = "on_site", _("现场救助")

    class Vulnerable(models.TextChoices):
        NONE = "", _("无")
        MINOR = "minor", _("未成年人")
        ELDERLY = "elderly", _("老年人")
        DISABLED = "disabled", _("残疾人")

    class EscortWith(models.TextChoices):
        POLICE = "police", _("公安")
        CHENGGUAN = "chengguan", _("城管")
        BOTH = "both", _("公安和城管")

    patrol = models.ForeignKey(Patrol, verbose_name=_("巡查"), on_delete=models.PROTECT, related_name="encounters")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, verbose_name=_("受助人员"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    unidentified = models.ForeignKey(UnidentifiedPerson, verbose_name=_("身份不明人员"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="encounters")
    at = models.DateTimeField(_("时间"))
    location = models.CharField(_("地点"), max_length=255)
    condition = models.CharField(_("状况"), max_length=16, choices=Condition.choices)
    notes = models.TextField(_("情况说明"), blank=True)
    food = models.PositiveIntegerField(_("发放食品（份）"), default=0)
    clothing = models.PositiveIntegerField(_("发放衣物（件）"), default=0)
    bedding = models.PositiveIntegerField(_("发放被褥（套）"), default=0)
    inventory = models.ForeignKey(Inventory, verbose_name=_("物资来源"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("处置结果"), max_length=16, choices=Outcome.choices)
    shelter = models.ForeignKey(Shelter, verbose_name=_("入住场所"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    help_contact = models.CharField(_("留下的求助方式"), max_length=128, blank=True)
    vulnerable = models.CharField(_("特殊群体"), max_length=16, choices=Vulnerable.choices, blank=True)
    escort_with = models.CharField(_("联合护送单位"), max_length=16, choices=EscortWith.choices, blank=True)
    handed_to = models.CharField(_("交接单位/接收人"), max_length=128, blank=True)
    handed_over_at = models.DateTimeField(_("交接时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("街面救助记录")
        verbose_name_plural = _("街面救助记录")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(condition=Q(person__isnull=False) | Q(unidentified__isnull=False),
                                   name="cw_encounter_has_subject"),
            models.CheckConstraint(condition=~Q(outcome="shelter") | Q(shelter__isnull=False),
                                   name="cw_encounter_shelter_given"),
        ]
        indexes = [models.Index(fields=["region", "at"], name="cw_encounter_region_at")]

    def __str__(self):
        return f"{self.location} {self.at:%Y-%m-%d %H:%M}"


class ShelterStay(models.Model):
    """One person's stay in a shelter: checked in (a place taken), checked out (the place given back).
    Occupancy is the number of open stays; the history is these rows."""

    shelter = models.ForeignKey(Shelter, verbose_name=_("救助场所"), on_delete=models.PROTECT, related_name="stays")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, verbose_name=_("入住人员"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    unidentified = models.ForeignKey(UnidentifiedPerson, verbose_name=_("身份不明人员"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    encounter = models.ForeignKey(Encounter, verbose_name=_("街面救助记录"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    checked_in_at = models.DateTimeField(_("入住时间"))
    checked_in_by = models.ForeignKey(User, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    checked_out_at = models.DateTimeField(_("离站时间"), null=True, blank=True)
    checked_out_by = models.ForeignKey(User, verbose_name=_("离站登记人"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    destination = models.CharField(_("离站去向"), max_length=255, blank=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("入住记录")
        verbose_name_plural = _("入住记录")
        ordering = ["-checked_in_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(person__isnull=False) | Q(unidentified__isnull=False),
                                   name="cw_stay_has_subject"),
            models.CheckConstraint(condition=Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=F("checked_in_at")),
                                   name="cw_stay_out_after_in"),
            models.UniqueConstraint(fields=["person"], condition=Q(checked_out_at__isnull=True, person__isnull=False),
                                    name="cw_stay_one_open_per_person"),
            models.UniqueConstraint(fields=["unidentified"],
                                    condition=Q(checked_out_at__isnull=True, unidentified__isnull=False),
                                    name="cw_stay_one_open_per_unidentified"),
        ]
        indexes = [models.Index(fields=["shelter", "checked_out_at"], name="cw_stay_open_idx")]

    def __str__(self):
        return f"{self.shelter} #{self.pk}"

    @property
    def subject_name(self) -> str:
        if self.person_id:
            return self.person.name
        return str(_("身份不明人员")) + f"#{self.unidentified_id}"


class PatrolMember(models.Model):
    """A member of staff on a patrol (the leader included): one row per person-time (人次)."""

    patrol = models.ForeignKey(Patrol, verbose_name=_("巡查"), on_delete=models.PROTECT, related_name="crew")
    user = models.ForeignKey(User, verbose_name=_("巡查人员"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("巡查区域"), on_delete=models.PROTECT, related_name="+")

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("巡查人员")
        verbose_name_plural = _("巡查人员")
        ordering = ["patrol_id", "id"]
        constraints = [models.UniqueConstraint(fields=["patrol", "user"], name="cw_patrol_member_once")]

    def __str__(self):
        return f"{self.patrol_id}:{self.user_id}"


class Handover(models.Model):
    """区域一体化: a street-relief case handed to another region (escort home 接送返乡): who escorts, when,
    how; the receiving region acknowledges within the time limit and confirms the person received.
    Both regions see it (the scope has both region paths)."""

    class Method(models.TextChoices):
        ESCORT = "escort", _("专人护送")
        TRAIN = "train", _("购票乘火车返乡")
        BUS = "bus", _("购票乘汽车返乡")
        FAMILY = "family", _("亲属接回")
        STATION = "station", _("救助管理站间交接")

    class Status(models.TextChoices):
        SENT = "sent", _("待接收地签收")
        ACKNOWLEDGED = "acknowledged", _("已签收待接收")
        COMPLETED = "completed", _("已接收")

    from_region = models.ForeignKey(Region, verbose_name=_("移交区域"), on_delete=models.PROTECT, related_name="+")
    to_region = models.ForeignKey(Region, verbose_name=_("接收区域"), on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, verbose_name=_("受助人员"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    unidentified = models.ForeignKey(UnidentifiedPerson, verbose_name=_("身份不明人员"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    encounter = models.ForeignKey(Encounter, verbose_name=_("街面救助记录"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("返乡方式"), max_length=16, choices=Method.choices)
    escort_by = models.CharField(_("护送人员/联系人"), max_length=128)
    depart_at = models.DateTimeField(_("出发时间"))
    destination = models.CharField(_("送达地点"), max_length=255)
    note = models.TextField(_("情况说明"), blank=True)
    ack_due_at = models.DateTimeField(_("签收时限"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SENT)
    created_by = models.ForeignKey(User, verbose_name=_("移交经办人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(User, verbose_name=_("签收人"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    ack_note = models.CharField(_("签收意见"), max_length=255, blank=True)
    completed_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    completed_by = models.ForeignKey(User, verbose_name=_("接收人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    completion_note = models.CharField(_("接收安置情况"), max_length=255, blank=True)

    scope = Scope(region=("from_region_id", "to_region_id"), roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("跨区域转送")
        verbose_name_plural = _("跨区域转送")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(person__isnull=False) | Q(unidentified__isnull=False),
                                   name="cw_handover_has_subject"),
            models.CheckConstraint(condition=~Q(from_region=F("to_region")), name="cw_handover_other_region"),
            models.CheckConstraint(condition=~Q(status="acknowledged") | Q(acknowledged_at__isnull=False),
                                   name="cw_handover_ack_has_time"),
            models.CheckConstraint(condition=~Q(status="completed") | Q(completed_at__isnull=False),
                                   name="cw_handover_done_has_time"),
        ]
        indexes = [models.Index(fields=["to_region", "status", "ack_due_at"], name="cw_handover_in_idx"),
                   models.Index(fields=["from_region", "status"], name="cw_handover_out_idx")]

    def __str__(self):
        return f"{_('跨区域转送')} #{self.pk}"

    @property
    def overdue(self) -> bool:
        return self.status == self.Status.SENT and self.ack_due_at < timezone.now()

    @property
    def subject_name(self) -> str:
        if self.person_id:
            return self.person.name
        return str(_("身份不明人员")) + f"#{self.unidentified_id}"


class ColdWaveAlert(models.Model):
    class Level(models.TextChoices):
        BLUE = "blue", _("蓝色")
        YELLOW = "yellow", _("黄色")
        ORANGE = "orange", _("橙色")
        RED = "red", _("红色")

    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("预警级别"), max_length=8, choices=Level.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    patrols_per_day = models.PositiveSmallIntegerField(_("预警期间每日巡查次数"), default=3)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("寒潮预警")
        verbose_name_plural = _("寒潮预警")
        ordering = ["-starts_on"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="cw_alert_dates")]

    def __str__(self):
        return f"{self.get_level_display()} {self.starts_on}–{self.ends_on}"


# --------------------------------------------------------------------------- visits, discovery


class Visit(models.Model):
    class Kind(models.TextChoices):
        ROUTINE = "routine", _("日常走访")
        HOLIDAY = "holiday", _("节日慰问")
        COLD_WAVE = "cold_wave", _("寒潮探访")
        VERIFY = "verify", _("入户核查")

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("走访日期"))
    visitor = models.ForeignKey(User, verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("走访类型"), max_length=16, choices=Kind.choices)
    notes = models.TextField(_("情况记录"), blank=True)
    goods = models.CharField(_("慰问物品"), max_length=255, blank=True)
    cash = models.BigIntegerField(_("慰问金（分）"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("走访慰问")
        verbose_name_plural = _("走访慰问")
        ordering = ["-visited_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(cash__gte=0), name="cw_visit_cash_nonneg")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.visited_on}"


class DiscoveryTask(models.Model):
    class Kind(models.TextChoices):
        ENROLMENT_LAPSE = "enrolment_lapse", _("救助即将到期")
        COLD_ELDERLY = "cold_elderly", _("寒潮期间独居老人")
        MEDICAL_BURDEN = "medical_burden", _("医疗费用个人负担过高")
        HEATING_DROPPED = "heating_dropped", _("取暖救助发放失败或核对退出")
        PAYMENT_CHECK = "payment_check", _("回访核查发现问题")

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        ACTED = "acted", _("已处置")
        DISMISSED = "dismissed", _("已排除")

    class Action(models.TextChoices):
        VISIT = "visit", _("入户走访")
        TEMPORARY_AID = "temporary_aid", _("临时救助")
        APPLICATION = "application", _("受理救助申请")

    kind = models.CharField(_("信号类型"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name=_("责任区域"), on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, verbose_name=_("家庭"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("信号期间"), max_length=16)
    evidence = models.JSONField(_("依据"), default=dict)
    enrolment = models.ForeignKey("assistance.Enrolment", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    alert = models.ForeignKey(ColdWaveAlert, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    action = models.CharField(_("处置方式"), max_length=16, choices=Action.choices, blank=True)
    action_ref = models.CharField(_("处置记录编号"), max_length=32, blank=True)
    dismiss_reason = models.CharField(_("排除理由"), max_length=255, blank=True)
    resolved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("主动发现任务")
        verbose_name_plural = _("主动发现任务")
        ordering = ["status", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "person", "period"], name="cw_discovery_once_per_signal"),
            models.CheckConstraint(condition=~Q(status="dismissed") | ~Q(dismiss_reason=""),
                                   name="cw_discovery_dismiss_reason"),
        ]
        indexes = [models.Index(fields=["region", "status"], name="cw_discovery_queue_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


# --------------------------------------------------------------------------- disaster-victim relief linkage


class DisasterEvent(models.Model):
    """A disaster (kind, area, dates): an emergency period, then a transition period (过渡期生活救助)."""

    class Kind(models.TextChoices):
        FLOOD = "flood", _("洪涝")
        EARTHQUAKE = "earthquake", _("地震")
        SNOW = "snow", _("低温雨雪冰冻")
        GEOLOGICAL = "geological", _("地质灾害")
        FIRE = "fire", _("火灾")
        OTHER = "other", _("其他")

    region = models.ForeignKey(Region, verbose_name=_("受灾区域"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("灾种"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=128)
    area = models.CharField(_("受灾范围"), max_length=255)
    occurred_on = models.DateField(_("发生日期"))
    emergency_ends_on = models.DateField(_("应急期结束"))
    transition_ends_on = models.DateField(_("过渡期结束"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("灾害事件")
        verbose_name_plural = _("灾害事件")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(emergency_ends_on__gte=F("occurred_on"))
                                   & Q(transition_ends_on__gte=F("emergency_ends_on")), name="cw_disaster_dates"),
        ]

    def __str__(self):
        return self.name


class AffectedHousehold(models.Model):
    """A household registered as affected by a disaster; once the transition period ends it gets a review
    whose outcome says which programme takes it over (so nobody falls between them)."""

    class Damage(models.TextChoices):
        COLLAPSED = "collapsed", _("房屋倒塌")
        SEVERE = "severe", _("房屋严重损坏")
        MODERATE = "moderate", _("一般损坏")
        NONE = "none", _("房屋未损")

    class Review(models.TextChoices):
        NOT_DUE = "", _("未到复核期")
        OPEN = "open", _("待复核")
        DONE = "done", _("已复核")

    class Outcome(models.TextChoices):
        DIBAO = "dibao", _("纳入低保")
        TEKUN = "tekun", _("纳入特困供养")
        TEMPORARY = "temporary", _("给予临时救助")
        NO_NEED = "none", _("无需救助")

    event = models.ForeignKey(DisasterEvent, verbose_name=_("灾害事件"), on_delete=models.PROTECT,
                              related_name="households")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, verbose_name=_("户主/联系人"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, verbose_name=_("家庭"), null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    people = models.PositiveSmallIntegerField(_("受灾人数"), default=1)
    damage = models.CharField(_("受灾程度"), max_length=16, choices=Damage.choices)
    note = models.CharField(_("情况说明"), max_length=255, blank=True)
    review = models.CharField(_("复核状态"), max_length=8, choices=Review.choices, blank=True, default="")
    review_opened_on = models.DateField(_("复核任务生成日期"), null=True, blank=True)
    outcome = models.CharField(_("复核结论"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_reason = models.CharField(_("结论理由"), max_length=255, blank=True)
    outcome_ref = models.CharField(_("衔接记录编号"), max_length=32, blank=True)
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("受灾家庭")
        verbose_name_plural = _("受灾家庭")
        ordering = ["event_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="cw_affected_once_per_event"),
            models.CheckConstraint(condition=Q(people__gte=1), name="cw_affected_people_ge_1"),
            models.CheckConstraint(condition=~Q(review="done") | ~Q(outcome=""), name="cw_affected_done_has_outcome"),
            models.CheckConstraint(condition=~Q(outcome="none") | ~Q(outcome_reason=""),
                                   name="cw_affected_no_need_has_reason"),
        ]
        indexes = [models.Index(fields=["region", "review"], name="cw_affected_review_idx")]

    def __str__(self):
        return f"{self.event} · {self.person.name}"


# --------------------------------------------------------------------------- notices (SMS)


class Notice(models.Model):
    """One message to an applicant or a household (SMS through the pluggable sender), kept with its status."""

    class Kind(models.TextChoices):
        APPLICATION_CONFIRMED = "app_confirmed", _("申请确认通知")
        APPLICATION_REJECTED = "app_rejected", _("不予认定通知")
        AID_PAID = "aid_paid", _("临时救助发放通知")
        APPEAL_DECIDED = "appeal_decided", _("申诉复核决定通知")

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        NO_PHONE = "no_phone", _("未登记手机号")

    person = models.ForeignKey(Person, verbose_name=_("接收人"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, verbose_name=_("家庭"), null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    application = models.ForeignKey(Application, verbose_name=_("申请"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="notices")
    aid = models.ForeignKey(TemporaryAid, verbose_name=_("临时救助"), null=True, blank=True, on_delete=models.PROTECT,
                            related_name="notices")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("渠道"), max_length=16, default="sms")
    # encrypted at rest (portal/pii.py); decrypted only where the message is sent
    phone = pii.SealedField(_("手机号"), kind=pii.PHONE, blank=True, default="", db_default="")
    phone_enc = models.BinaryField(editable=False, default=b"", db_default=b"")
    phone_masked = models.CharField(max_length=20, editable=False, blank=True, default="", db_default="")
    text = models.CharField(_("内容"), max_length=500)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    sender = models.CharField(_("发送器"), max_length=64, blank=True)
    reference = models.CharField(_("回执编号"), max_length=64, blank=True)
    error = models.CharField(_("失败原因"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("短信通知")
        verbose_name_plural = _("短信通知")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"], name="cw_notice_status_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"
