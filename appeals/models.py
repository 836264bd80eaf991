"""Appeals (申诉 / 复核) and payment verification (回访核查).

An appeal names exactly one decision: a rejected application (casework), a stopped or a household
enrolment whose amount is contested (assistance), or a pooled spend (medical_pooling). Money is integer fen.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Person, Region
from portal.roles import CIVIL_STAFF, Role
from portal.scoping import Scope


class Appeal(models.Model):
    class Kind(models.TextChoices):
        REJECTION = "rejection", _("不予认定申诉")
        STOP = "stop", _("停发申诉")
        AMOUNT = "amount", _("救助金额复核")
        SPEND = "spend", _("共济支付争议")

    class Status(models.TextChoices):
        FILED = "filed", _("已受理待复核")
        UNDER_REVIEW = "under_review", _("复核中")
        UPHELD = "upheld", _("申诉成立")
        PARTLY_UPHELD = "partly_upheld", _("部分成立")
        DISMISSED = "dismissed", _("驳回申诉")
        WITHDRAWN = "withdrawn", _("已撤回")

    OPEN = (Status.FILED, Status.UNDER_REVIEW)
    OUTCOMES = (Status.UPHELD, Status.PARTLY_UPHELD, Status.DISMISSED)
    CIVIL_KINDS = (Kind.REJECTION, Kind.STOP, Kind.AMOUNT)

    kind = models.CharField(_("申诉类型"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.FILED)
    person = models.ForeignKey(Person, verbose_name=_("申诉人"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("原决定区域"), on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey("casework.Application", verbose_name=_("不予认定的申请"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    household_enrolment = models.ForeignKey("assistance.HouseholdEnrolment", verbose_name=_("家庭救助认定"),
                                            null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    spend = models.ForeignKey("medical_pooling.Spend", verbose_name=_("共济支付"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    decision_date = models.DateField(_("原决定日期"))
    decision_effective = models.DateField(_("原决定生效日期"), null=True, blank=True)
    decision_amount = models.BigIntegerField(_("原核定金额（分）"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("原决定人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    filed_on = models.DateField(_("申诉日期"))
    filing_deadline = models.DateField(_("申诉期限"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                 related_name="+")
    on_behalf = models.BooleanField(_("工作人员代为提出"), default=False)
    grounds = models.TextField(_("申诉理由"))
    requested_amount = models.BigIntegerField(_("请求金额（分）"), null=True, blank=True)
    review_due = models.DateField(_("复核时限"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("复核人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    review_started_at = models.DateTimeField(_("开始复核时间"), null=True, blank=True)
    outcome_reason = models.CharField(_("复核意见"), max_length=255, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    awarded_amount = models.BigIntegerField(_("核定金额（分）"), null=True, blank=True)
    effective_from = models.DateField(_("纠正生效日期"), null=True, blank=True)
    remedy = models.JSONField(_("纠正措施"), default=dict, blank=True)
    notice = models.ForeignKey("casework.Notice", verbose_name=_("决定通知"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    # civil staff see the civil kinds, insurance officers the spends (selectors narrow by kind); a citizen
    # sees their own
    scope = Scope(region="region_id", person=("person",), roles=CIVIL_STAFF | {Role.INSURANCE_OFFICER, Role.INSURED})

    class Meta:
        verbose_name = _("申诉")
        verbose_name_plural = _("申诉")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="rejection", application__isnull=False, household_enrolment__isnull=True,
                             spend__isnull=True)
                           | Q(kind__in=["stop", "amount"], application__isnull=True,
                               household_enrolment__isnull=False, spend__isnull=True)
                           | Q(kind="spend", application__isnull=True, household_enrolment__isnull=True,
                               spend__isnull=False)),
                name="appeal_one_subject_of_its_kind"),
            models.CheckConstraint(condition=Q(requested_amount__isnull=True) | Q(requested_amount__gte=0),
                                   name="appeal_requested_nonneg"),
            models.CheckConstraint(condition=Q(awarded_amount__isnull=True) | Q(awarded_amount__gte=0),
                                   name="appeal_awarded_nonneg"),
            models.UniqueConstraint(fields=["kind", "application", "household_enrolment", "spend"],
                                    condition=Q(status__in=["filed", "under_review"]),
                                    nulls_distinct=False, name="appeal_one_open_per_decision"),
        ]
        indexes = [models.Index(fields=["status", "review_due"], name="appeal_status_due_idx")]

    def __str__(self):
        return f"{_('申诉')} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.review_due < timezone.localdate()


class VerificationRound(models.Model):
    """One sample of a paid batch for 回访核查, drawn once: the seed and the rule are kept, so the same draw
    can be repeated and checked."""

    batch = models.OneToOneField("assistance.Batch", verbose_name=_("发放批次"), on_delete=models.PROTECT,
                                 related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    seed = models.CharField(_("随机种子"), max_length=64)
    percent = models.PositiveSmallIntegerField(_("抽样比例（%）"))
    minimum = models.PositiveSmallIntegerField(_("每区县最少抽样数"))
    population = models.PositiveIntegerField(_("已发放笔数"), default=0)
    sample_size = models.PositiveIntegerField(_("样本数"), default=0)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("抽样人"), on_delete=models.PROTECT,
                                 related_name="+")
    drawn_at = models.DateTimeField(_("抽样时间"), default=timezone.now)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("回访核查")
        verbose_name_plural = _("回访核查")
        ordering = ["-id"]

    def __str__(self):
        return f"{_('回访核查')} #{self.pk}"


class VerificationCheck(models.Model):
    class Method(models.TextChoices):
        VISIT = "visit", _("入户回访")
        PHONE = "phone", _("电话回访")

    class Answer(models.TextChoices):
        PENDING = "pending", _("待回访")
        RECEIVED = "received", _("已收到")
        AMOUNT_DIFFERS = "amount_differs", _("金额不符")
        NOT_RECEIVED = "not_received", _("未收到")
        UNKNOWN_PERSON = "unknown_person", _("查无此人")

    DISCREPANCIES = (Answer.AMOUNT_DIFFERS, Answer.NOT_RECEIVED, Answer.UNKNOWN_PERSON)

    round = models.ForeignKey(VerificationRound, verbose_name=_("核查"), on_delete=models.PROTECT,
                              related_name="checks")
    payment = models.OneToOneField("assistance.Payment", verbose_name=_("发放明细"), on_delete=models.PROTECT,
                                   related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("assistance.Household", verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="+")
    person = models.ForeignKey(Person, verbose_name=_("人员"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    amount = models.BigIntegerField(_("发放金额（分）"))
    rank = models.PositiveIntegerField(_("区县内抽样序号"))
    answer = models.CharField(_("回访结果"), max_length=16, choices=Answer.choices, default=Answer.PENDING,
                              db_default=Answer.PENDING)
    method = models.CharField(_("回访方式"), max_length=8, choices=Method.choices, blank=True, db_default="")
    reported_amount = models.BigIntegerField(_("本人所述金额（分）"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True, db_default="")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("回访人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    case = models.ForeignKey("casework.DiscoveryTask", verbose_name=_("问题任务"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("回访核查记录")
        verbose_name_plural = _("回访核查记录")
        ordering = ["round", "region", "rank"]
        constraints = [
            models.CheckConstraint(condition=Q(reported_amount__isnull=True) | Q(reported_amount__gte=0),
                                   name="verification_reported_nonneg"),
            models.UniqueConstraint(fields=["round", "region", "rank"], name="verification_rank_once"),
        ]

    def __str__(self):
        return f"{_('回访核查记录')} #{self.pk}"
