"""Winter relief: the household registry, enrolments, campaigns/schemes, disbursement batches, payments.

Money is integer fen (BigIntegerField, CHECK >= 0). Every write goes through `assistance.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal import pii
from portal.models import Locality, Person, Region
from portal.roles import CIVIL_STAFF
from portal.scoping import Scope


class Area(models.TextChoices):
    URBAN = "urban", _("城市")
    RURAL = "rural", _("农村")


class Category(models.TextChoices):
    DIBAO = "dibao", _("城乡低保")
    TEKUN = "tekun", _("特困人员")
    ORPHAN = "orphan", _("孤儿")
    LOW_INCOME = "low_income", _("低收入家庭")


class Household(models.Model):
    region = models.ForeignKey(Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    area = models.CharField(_("城乡类别"), max_length=8, choices=Area.choices)
    address = models.CharField(_("住址"), max_length=255)
    # the street or community within the district (portal.Locality); its code's prefix is the street
    locality = models.ForeignKey(Locality, verbose_name=_("街道社区"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    # encrypted at rest (portal/pii.py): the columns hold the HMAC (lookups), the ciphertext and the masked form
    bank_account = pii.SealedField(_("银行账号"), kind=pii.ACCOUNT, blank=True, default="", db_default="")
    bank_account_enc = models.BinaryField(editable=False, default=b"", db_default=b"")
    bank_account_masked = models.CharField(max_length=32, editable=False, blank=True, default="", db_default="")
    phone = pii.SealedField(_("联系电话"), kind=pii.PHONE, blank=True, default="", db_default="")
    phone_enc = models.BinaryField(editable=False, default=b"", db_default=b"")
    phone_masked = models.CharField(max_length=20, editable=False, blank=True, default="", db_default="")
    head = models.ForeignKey(
        Person, verbose_name=_("户主"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")
        ordering = ["-id"]
        indexes = [models.Index(fields=["region", "id"], name="hh_region_id_idx"),
                   models.Index(fields=["locality", "id"], name="hh_locality_id_idx")]

    def __str__(self):
        return f"{self.address}（#{self.pk}）"

    @property
    def masked_bank_account(self) -> str:
        return sealed_mask(self, "bank_account", pii.ACCOUNT)

    @property
    def masked_phone(self) -> str:
        return sealed_mask(self, "phone", pii.PHONE)


class HouseholdTally(models.Model):
    """How many households each (region, area) holds, kept exact by a PostgreSQL statement trigger on the
    household table (migration 0006) in the same transaction as the change, so a list of a million
    households is counted by summing at most a few thousand rows. Written only by the trigger (one
    sorted upsert per statement, as for PaymentTally)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    area = models.CharField(max_length=8, choices=Area.choices)
    households = models.BigIntegerField(default=0)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "area"], name="household_tally_region_area")]

    def __str__(self):
        return f"{self.region_id} {self.area}: {self.households}"


def mask_account(account: str) -> str:
    if not account:
        return ""
    if not isinstance(account, str):  # a stored value (portal.pii.Sealed): its stored masked form
        return str(account)
    return "*" * max(0, len(account) - 4) + account[-4:]


def sealed_mask(obj, name: str, kind: str) -> str:
    """The masked form of an encrypted field (portal.pii) without decrypting: the stored ``<name>_masked``,
    or, for a plain value assigned in this process and not yet saved, its mask."""
    value = obj.__dict__.get(name)
    if value is not None and not isinstance(value, pii.Sealed):
        return pii.mask(kind, value)
    return getattr(obj, f"{name}_masked", "") or ""


DISABILITY_GRADES = [("", _("无残疾")), ("1", _("一级")), ("2", _("二级")), ("3", _("三级")), ("4", _("四级"))]
HEALTH_STATES = [("", _("未填写")), ("healthy", _("健康")), ("chronic", _("慢性病")), ("serious", _("重病/大病")),
                 ("bedridden", _("长期卧床"))]


class Member(models.Model):
    class Relation(models.TextChoices):
        HEAD = "head", _("户主")
        SPOUSE = "spouse", _("配偶")
        CHILD = "child", _("子女")
        PARENT = "parent", _("父母")
        OTHER = "other", _("其他")

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(_("与户主关系"), max_length=8, choices=Relation.choices)
    joined_on = models.DateField(_("加入日期"))
    left_on = models.DateField(_("迁出日期"), null=True, blank=True)
    # what the means test and the review cycle read (db_default: bulk loaders that name columns still work)
    severe_disability = models.BooleanField(_("重度残疾"), default=False, db_default=False)
    work_able = models.BooleanField(_("有劳动能力"), default=False, db_default=False)
    care_level = models.CharField(_("生活自理能力"), max_length=8, blank=True, default="", db_default="",
                                  choices=[("self", _("全自理")), ("partial", _("半护理")), ("full", _("全护理"))])
    # 残疾等级 (the disability certificate's grade, 一级 most severe; 一、二级 are 重度) and 健康状况
    disability_grade = models.CharField(_("残疾等级"), max_length=1, blank=True, default="", db_default="",
                                        choices=DISABILITY_GRADES)
    health = models.CharField(_("健康状况"), max_length=16, blank=True, default="", db_default="",
                              choices=HEALTH_STATES)

    scope = Scope(region="household__region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(left_on__isnull=True), name="member_one_current_household"
            ),
        ]
        indexes = [models.Index(fields=["household", "left_on"], name="member_household_idx")]

    def __str__(self):
        return f"{self.person} · {self.get_relation_display()}"


class Enrolment(models.Model):
    """One period of one benefit. History is kept: a change is a new row; the old one gets an end date."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        ENDED = "ended", _("已终止")
        REVOKED = "revoked", _("已撤销")

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="enrolments"
    )
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("救助类别"), max_length=16, choices=Category.choices)
    monthly_amount = models.BigIntegerField(_("月救助金额（分）"), default=0)
    start = models.DateField(_("起始日期"), db_column="start_date")
    end = models.DateField(_("终止日期"), null=True, blank=True, db_column="end_date")
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # set when the row belongs to a household enrolment (its members enrolled together from a means test)
    household_enrolment = models.ForeignKey(
        "HouseholdEnrolment", verbose_name=_("家庭认定"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="person_rows",
    )

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("救助对象认定")
        verbose_name_plural = _("救助对象认定")
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="enrolment_amount_nonneg"),
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="enrolment_end_after_start"),
        ]
        indexes = [models.Index(fields=["person", "category", "start"], name="enrolment_person_idx")]

    def __str__(self):
        return f"{self.get_category_display()} {self.start}–{self.end or ''}"


class Campaign(models.Model):
    name = models.CharField(_("专项行动名称"), max_length=128, unique=True)
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("专项行动")
        verbose_name_plural = _("专项行动")
        ordering = ["-id"]

    def __str__(self):
        return self.name


class Scheme(models.Model):
    class Kind(models.TextChoices):
        HEATING = "heating", _("取暖救助")
        ONE_TIME = "one_time", _("一次性生活补贴")
        EXTRA_MONTH = "extra_month", _("增发一个月救助金")
        ADVANCE = "advance", _("提前发放")
        MONTHLY = "monthly", _("月度救助金发放")

    class Unit(models.TextChoices):
        HOUSEHOLD = "household", _("按户")
        PERSON = "person", _("按人")

    class PaymentForm(models.TextChoices):
        BANK = "bank", _("银行代发")
        VOUCHER = "voucher", _("消费券")
        IN_KIND = "in_kind", _("实物")
        FEE_WAIVER = "fee_waiver", _("减免取暖费")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("专项行动"), null=True, blank=True, on_delete=models.PROTECT, related_name="schemes"
    )
    name = models.CharField(_("项目名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name=_("实施区域"), on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(_("发放单位"), max_length=16, choices=Unit.choices)
    categories = models.JSONField(_("对象类别"), default=list)
    urban_amount = models.BigIntegerField(_("城市标准（分）"), default=0)
    rural_amount = models.BigIntegerField(_("农村标准（分）"), default=0)
    months = models.PositiveSmallIntegerField(_("月数"), default=1)
    # advance: the first month paid ahead ("YYYY-MM"); with `months` it says which months a paid payment covers
    first_month = models.CharField(_("提前发放起始月份"), max_length=7, blank=True, default="", db_default="")
    budget = models.BigIntegerField(_("预算（分）"), default=0)
    reserved = models.BigIntegerField(_("已冻结（分）"), default=0)
    paid = models.BigIntegerField(_("已发放（分）"), default=0)
    deadline = models.DateField(_("发放截止日期"))
    payment_form = models.CharField(_("发放形式"), max_length=16, choices=PaymentForm.choices, default=PaymentForm.BANK)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Staff see schemes in their region and below; selectors.scheme_list adds the schemes of the
    # regions above theirs (a provincial scheme is carried out by its cities and districts).
    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    # the funds it draws from (the nearest allocation at or above its region for its deadline's year)
    allocation = models.ForeignKey("Allocation", verbose_name=_("资金来源"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="schemes")

    class Meta:
        verbose_name = _("救助项目")
        verbose_name_plural = _("救助项目")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(urban_amount__gte=0) & Q(rural_amount__gte=0) & Q(budget__gte=0)
                & Q(reserved__gte=0) & Q(paid__gte=0),
                name="scheme_money_nonneg",
            ),
            models.CheckConstraint(condition=Q(budget__gte=F("reserved") + F("paid")), name="scheme_within_budget"),
            # the monthly payroll of a province is one scheme, so (scheme, month, person) is one key for all
            # of its cities and counties: nobody is paid twice for one month whichever region's run finds them
            models.UniqueConstraint(fields=["region"], condition=Q(kind="monthly"), name="scheme_one_monthly_per_region"),
        ]

    def __str__(self):
        return self.name

    @property
    def uses_own_amount(self) -> bool:
        return self.kind in (self.Kind.EXTRA_MONTH, self.Kind.ADVANCE)

    @property
    def available(self) -> int:
        return self.budget - self.reserved - self.paid

    def categories_display(self) -> str:
        labels = dict(Category.choices)
        return "、".join(str(labels.get(c, c)) for c in self.categories)


class Batch(models.Model):
    class Status(models.TextChoices):
        BUILDING = "building", _("生成中")
        DRAFT = "draft", _("待审批")
        APPROVED = "approved", _("已审批")
        PAYING = "paying", _("发放中")
        PAID = "paid", _("已发放")
        CANCELLED = "cancelled", _("已取消")
        RETURNED = "returned", _("已退回修改")

    scheme = models.ForeignKey(Scheme, verbose_name=_("救助项目"), on_delete=models.PROTECT, related_name="batches")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("发放期"), max_length=7, default="once")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.BUILDING)
    built_on = models.DateField(_("认定基准日"))
    channel = models.CharField(_("发放渠道"), max_length=16, default="simulated")
    # null: made by the system (the monthly heating top-up); any approver may then approve it.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制单人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    topup_month = models.CharField(_("补发月份"), max_length=7, blank=True, db_index=True)
    # the month of a monthly payroll batch ("YYYY-MM"): one live payroll batch per (scheme, region, month)
    payroll_month = models.CharField(_("月度发放月份"), max_length=7, blank=True, default="", db_default="")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    recipient_count = models.IntegerField(_("对象数"), default=0)
    total_amount = models.BigIntegerField(_("总金额（分）"), default=0)
    paid_count = models.IntegerField(_("已发放数"), default=0)
    paid_amount = models.BigIntegerField(_("已发放金额（分）"), default=0)
    failed_count = models.IntegerField(_("失败数"), default=0)
    build_lo = models.BigIntegerField(_("生成下界"), default=0)
    build_cursor = models.BigIntegerField(_("生成进度游标"), default=0)
    build_hi = models.BigIntegerField(_("生成上界"), default=0)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    error = models.TextField(_("错误"), blank=True)
    # Touched by every chunk of a build or payout; a batch in building/approved/paying whose heartbeat
    # is old has lost its worker, and `batch_resume_stalled` sends its task again.
    heartbeat_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    # the checker's word: the opinion given with an approval, or why the batch went back to its maker
    # (db_default: the raw-SQL payroll and top-up inserts name their columns)
    approval_opinion = models.CharField(_("审批意见"), max_length=500, blank=True, default="", db_default="")
    return_reason = models.CharField(_("退回原因"), max_length=500, blank=True, default="", db_default="")
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("退回人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("发放批次")
        verbose_name_plural = _("发放批次")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_amount__gte=0) & Q(paid_amount__gte=0) & Q(recipient_count__gte=0)
                & Q(paid_count__gte=0) & Q(failed_count__gte=0) & Q(progress__lte=100),
                name="batch_numbers_nonneg",
            ),
            models.UniqueConstraint(
                fields=["scheme", "region", "payroll_month"],
                condition=~Q(payroll_month="") & ~Q(status="cancelled"),
                name="batch_one_payroll_per_region_month",
            ),
        ]

    def __str__(self):
        return f"{self.scheme} · {self.region.name if self.region_id else ''} #{self.pk}"

    @property
    def payout_percent(self) -> int:
        """How far the payout is (0 until approved). `progress` serves the build first and the payout
        after approval, so a built batch waiting for approval shows 0 here, not the build's 100."""
        if self.status in (self.Status.APPROVED, self.Status.PAYING, self.Status.PAID):
            return self.progress
        return 0


class Payment(models.Model):
    """One recipient of one batch. Identity: (scheme, period, household) for household schemes,
    (scheme, period, person) for person schemes — unique among non-cancelled payments."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发放")
        SENT = "sent", _("已报盘待回盘")
        PAID = "paid", _("已发放")
        FAILED = "failed", _("发放失败")
        CANCELLED = "cancelled", _("已取消")

    # no single-column indexes on batch and scheme: payment_batch_id_idx and payment_scheme_hh_idx lead
    # with them, and every index is written again by each payout's status update
    batch = models.ForeignKey(Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="payments",
                              db_index=False)
    scheme = models.ForeignKey(Scheme, verbose_name=_("救助项目"), on_delete=models.PROTECT, related_name="+",
                               db_index=False)
    # "once", "YYYY-MM" (a monthly payroll line) or "YYYY-MM-bpMM" (back-pay of a month, computed in a run month)
    period = models.CharField(_("发放期"), max_length=16)
    paid_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=64, blank=True)
    # copied from the person at build time, encrypted (portal/pii.py): HMAC column, ciphertext, masked form
    id_number = pii.SealedField(_("身份证号码"), kind=pii.ID, blank=True, default="", db_default="")
    id_number_enc = models.BinaryField(editable=False, default=b"", db_default=b"")
    id_number_masked = models.CharField(max_length=18, editable=False, blank=True, default="", db_default="")
    # the payee's account as it was when the batch was built: what the approver approves is what is paid;
    # it changes only through a re-issue approved by someone other than the batch's maker
    bank_account = pii.SealedField(_("收款账号"), kind=pii.ACCOUNT, blank=True, default="", db_default="")
    bank_account_enc = models.BinaryField(editable=False, default=b"", db_default=b"")
    bank_account_masked = models.CharField(max_length=32, editable=False, blank=True, default="", db_default="")
    payee_name = models.CharField(_("账户户名"), max_length=64, blank=True, db_default="")  # the head's, at build
    amount = models.BigIntegerField(_("金额（分）"))
    category = models.CharField(_("救助类别"), max_length=16, choices=Category.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    reason = models.CharField(_("说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_nonneg"),
            models.UniqueConstraint(
                fields=["scheme", "period", "household"],
                condition=Q(person__isnull=True) & ~Q(status="cancelled"),
                name="payment_once_per_household",
            ),
            models.UniqueConstraint(
                fields=["scheme", "period", "person"],
                condition=Q(person__isnull=False) & ~Q(status="cancelled"),
                name="payment_once_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["batch", "id"], name="payment_batch_id_idx"),  # a batch's list, in id order
            models.Index(fields=["batch", "status", "id"], name="payment_batch_status_idx"),
            models.Index(fields=["scheme", "period", "household"], name="payment_scheme_hh_idx"),
        ]

    def __str__(self):
        return f"{self.name} {self.masked_id} {self.amount}"

    @property
    def masked_id(self) -> str:
        value = self.__dict__.get("id_number")
        if value is not None and not isinstance(value, pii.Sealed):
            return pii.mask(pii.ID, value)
        return self.id_number_masked

    @property
    def masked_bank_account(self) -> str:
        return sealed_mask(self, "bank_account", pii.ACCOUNT)


class PaymentTally(models.Model):
    """How many payments, and how much money, each (batch, region, category, status) holds. Kept exact by
    a PostgreSQL statement trigger on the payment table (migration 0008) in the writing transaction, so
    progress by district, a batch's breakdowns and its list's count read a few hundred rows instead of
    grouping a million payments. Written only by the trigger; `scheme` is the batch's, for filtering."""

    batch = models.ForeignKey(Batch, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    scheme = models.ForeignKey(Scheme, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    region = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    category = models.CharField(max_length=16, choices=Category.choices)
    status = models.CharField(max_length=16, choices=Payment.Status.choices)
    payments = models.BigIntegerField(default=0)
    amount = models.BigIntegerField(default=0)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "region", "category", "status"],
                                               name="payment_tally_key")]
        indexes = [models.Index(fields=["scheme", "region"], name="payment_tally_scheme_idx")]

    def __str__(self):
        return f"#{self.batch_id} {self.region_id} {self.category} {self.status}: {self.payments}"


class PaymentAttempt(models.Model):
    class Outcome(models.TextChoices):
        SENT = "sent", _("已报盘")
        PAID = "paid", _("成功")
        FAILED = "failed", _("失败")
        REISSUED = "reissued", _("重新发放")
        CANCELLED = "cancelled", _("取消")

    payment = models.ForeignKey(Payment, verbose_name=_("发放明细"), on_delete=models.PROTECT, related_name="attempts_log")
    channel = models.CharField(_("渠道"), max_length=16)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices)
    reference = models.CharField(_("流水号"), max_length=64, blank=True)
    message = models.CharField(_("说明"), max_length=255, blank=True)
    at = models.DateTimeField(_("时间"))
    # what was handed to the bank under `reference` (sent rows): a result must match both
    amount = models.BigIntegerField(_("金额（分）"), null=True, blank=True)
    # encrypted (portal/pii.py); a result's account is compared by HMAC, the file re-rendered by decrypting
    account = pii.SealedField(_("账号"), kind=pii.ACCOUNT, blank=True, default="", db_default="")
    account_enc = models.BinaryField(editable=False, default=b"", db_default=b"")
    account_masked = models.CharField(max_length=32, editable=False, blank=True, default="", db_default="")
    holder = models.CharField(_("户名"), max_length=64, blank=True, db_default="")
    file = models.ForeignKey("BankFile", verbose_name=_("银行文件"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")

    scope = Scope(region="payment__region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("发放记录")
        verbose_name_plural = _("发放记录")
        ordering = ["id"]
        constraints = [
            # a reference is handed to a bank once, ever: a re-issue gets a new attempt number
            models.UniqueConstraint(fields=["reference"], condition=Q(outcome="sent"),
                                    name="payment_attempt_sent_reference_once"),
        ]
        indexes = [models.Index(fields=["reference"], name="payment_attempt_ref_idx")]

    def __str__(self):
        return f"{self.channel} {self.outcome} {self.reference}"


class BankFile(models.Model):
    """A file exchanged with the bank: a disbursement file the portal wrote to the outbox, or a result file
    the bank wrote to the inbox. Names are unique forever and the content's SHA-256 is kept, so nothing is
    overwritten or applied twice; the files live in the exchange folder outside the public media folder."""

    class Kind(models.TextChoices):
        DISBURSEMENT = "disbursement", _("代发文件")
        RESULT = "result", _("回盘文件")

    class Status(models.TextChoices):
        WRITING = "writing", _("待投递")  # recorded, the file not yet in the outbox
        SENT = "sent", _("已投递银行")
        ANSWERED = "answered", _("已回盘")
        APPLIED = "applied", _("已入账")
        DUPLICATE = "duplicate", _("重复回盘（未改变任何数据）")
        REFUSED = "refused", _("已拒绝（未入账）")

    name = models.CharField(_("文件名"), max_length=128, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    batch = models.ForeignKey(Batch, verbose_name=_("批次"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="bank_files")
    sha256 = models.CharField(_("内容摘要"), max_length=64)
    rows = models.IntegerField(_("笔数"), default=0)
    total = models.BigIntegerField(_("金额（分）"), default=0)
    # a result file's header: the bank's own figures for the file it answers
    bank_paid_count = models.IntegerField(_("银行成功笔数"), null=True, blank=True)
    bank_paid_total = models.BigIntegerField(_("银行成功金额（分）"), null=True, blank=True)
    bank_failed_count = models.IntegerField(_("银行失败笔数"), null=True, blank=True)
    bank_failed_total = models.BigIntegerField(_("银行失败金额（分）"), null=True, blank=True)
    answers = models.CharField(_("对应代发文件"), max_length=128, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    errors = models.TextField(_("问题"), blank=True)
    source = models.CharField(_("来源"), max_length=16, default="exchange")  # exchange | upload | query
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    applied_at = models.DateTimeField(_("入账时间"), null=True, blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    scope = Scope(region="batch__region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("银行文件")
        verbose_name_plural = _("银行文件")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(rows__gte=0) & Q(total__gte=0), name="bank_file_numbers_nonneg"),
        ]

    def __str__(self):
        return self.name


class Reconciliation(models.Model):
    """One check of a batch against the bank's own figures: sent, paid, failed and unanswered, count and
    amount, in the portal and as the bank reported them. The newest row per batch is what pages show."""

    batch = models.ForeignKey(Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="reconciliations")
    at = models.DateTimeField(_("核对时间"))
    balanced = models.BooleanField(_("是否平衡"))
    portal = models.JSONField(_("本系统"))
    bank = models.JSONField(_("银行"))
    problems = models.JSONField(_("差异"), default=list)

    scope = Scope(region="batch__region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("对账记录")
        verbose_name_plural = _("对账记录")
        ordering = ["-id"]
        indexes = [models.Index(fields=["batch", "-id"], name="reconciliation_batch_idx")]

    def __str__(self):
        return f"#{self.batch_id} {self.at:%Y-%m-%d %H:%M} {'平' if self.balanced else '不平'}"


class AccountChange(models.Model):
    """A household's bank account changed while it has unpaid payments: a second person must approve it
    before it takes effect (and approved payments keep their account until a re-issue)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待复核")
        APPROVED = "approved", _("已生效")
        REJECTED = "rejected", _("已驳回")

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="account_changes")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    # encrypted at rest (portal/pii.py): HMAC column, ciphertext, masked form
    old_account = pii.SealedField(_("原账号"), kind=pii.ACCOUNT, blank=True, default="", db_default="")
    old_account_enc = models.BinaryField(editable=False, default=b"", db_default=b"")
    old_account_masked = models.CharField(max_length=32, editable=False, blank=True, default="", db_default="")
    new_account = pii.SealedField(_("新账号"), kind=pii.ACCOUNT)
    new_account_enc = models.BinaryField(editable=False, default=b"", db_default=b"")
    new_account_masked = models.CharField(max_length=32, editable=False, blank=True, default="", db_default="")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("复核人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("账号变更")
        verbose_name_plural = _("账号变更")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(status="pending"),
                                    name="account_change_one_pending"),
        ]

    def __str__(self):
        return f"{self.household_id}: {self.masked_old} → {self.masked_new} ({self.get_status_display()})"

    @property
    def masked_old(self) -> str:
        return sealed_mask(self, "old_account", pii.ACCOUNT)

    @property
    def masked_new(self) -> str:
        return sealed_mask(self, "new_account", pii.ACCOUNT)


# --------------------------------------------------------------------------- monthly assistance (issue 15)


class CareLevel(models.TextChoices):
    NONE = "", _("不适用")
    SELF = "self", _("全自理")
    PARTIAL = "partial", _("半护理")
    FULL = "full", _("全护理")


class StandardKind(models.TextChoices):
    DIBAO = "dibao", _("低保标准")
    TEKUN_BASIC = "tekun_basic", _("特困人员基本生活标准")
    TEKUN_CARE = "tekun_care", _("特困人员照料护理标准")


class Standard(models.Model):
    """One rate of one region, per person per month, in force from `effective_from` to `effective_to`.

    The rate for a household is looked up by `services.standards.standard_in_force`, which walks the
    region tree from the province down to the county: each level found in force either replaces the one
    above when higher (`combine = max`: the higher of the two) or adds to it (`top_up`: a city's top-up
    on the provincial rate). Nobody is paid twice: the levels combine into one rate."""

    class Combine(models.TextChoices):
        MAX = "max", _("取较高者")
        TOP_UP = "top_up", _("在上级标准上增加")

    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    area = models.CharField(_("城乡类别"), max_length=8, choices=Area.choices)
    kind = models.CharField(_("标准类别"), max_length=16, choices=StandardKind.choices)
    care_level = models.CharField(_("自理能力"), max_length=8, choices=CareLevel.choices, blank=True, default="")
    amount = models.BigIntegerField(_("每人每月（分）"))
    combine = models.CharField(_("与上级标准的关系"), max_length=8, choices=Combine.choices, default=Combine.MAX)
    effective_from = models.DateField(_("执行日期"))
    effective_to = models.DateField(_("截止日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("救助标准")
        verbose_name_plural = _("救助标准")
        ordering = ["region_id", "kind", "area", "care_level", "-effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="standard_amount_nonneg"),
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                                   name="standard_period_ordered"),
            models.UniqueConstraint(fields=["region", "area", "kind", "care_level", "effective_from"],
                                    name="standard_one_per_start"),
        ]

    def __str__(self):
        return f"{self.region_id} {self.get_kind_display()} {self.get_area_display()} {self.amount}"


class AssistanceRule(models.Model):
    """A region's rules for monthly assistance, as data: what the means test counts and allows, the
    minimum and additions, the gradual exit, the review cycle and the pay day. The rule in force for a
    household is the nearest one up the region tree (county → city → province), newest first."""

    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField(_("执行日期"))
    counted_income = models.JSONField(_("计入的收入类型"), default=list)
    deposit_limit_per_person = models.BigIntegerField(_("人均存款上限（分）"), default=0)
    housing_limit = models.PositiveSmallIntegerField(_("住房套数上限"), default=1)
    vehicle_limit = models.PositiveSmallIntegerField(_("机动车数量上限"), default=0)
    minimum_per_person = models.BigIntegerField(_("每人最低救助金额（分）"), default=0)
    severe_disability_addition = models.BigIntegerField(_("重度残疾人每人加发（分）"), default=0)
    exit_months = models.PositiveSmallIntegerField(_("渐退期（月）"), default=0)
    review_months = models.PositiveSmallIntegerField(_("复核周期（月）"), default=12)
    review_months_work_able = models.PositiveSmallIntegerField(_("有劳动能力家庭复核周期（月）"), default=6)
    pay_day = models.PositiveSmallIntegerField(_("每月发放日"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("救助政策规则")
        verbose_name_plural = _("救助政策规则")
        ordering = ["region_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["region", "effective_from"], name="assistance_rule_one_per_start"),
            models.CheckConstraint(condition=Q(pay_day__isnull=True) | (Q(pay_day__gte=1) & Q(pay_day__lte=28)),
                                   name="assistance_rule_pay_day_1_28"),
            models.CheckConstraint(condition=Q(deposit_limit_per_person__gte=0) & Q(minimum_per_person__gte=0)
                                   & Q(severe_disability_addition__gte=0), name="assistance_rule_money_nonneg"),
        ]

    def __str__(self):
        return f"{self.region_id} {self.effective_from}"


class IncomeItem(models.Model):
    class Kind(models.TextChoices):
        WAGES = "wages", _("工资性收入")
        PENSION = "pension", _("养老金")
        BUSINESS = "business", _("经营净收入")
        RENT = "rent", _("财产（租金）收入")
        TRANSFERS = "transfers", _("转移性收入")
        OTHER = "other", _("其他收入")

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="income_items")
    member = models.ForeignKey(Member, verbose_name=_("成员"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    kind = models.CharField(_("收入类型"), max_length=16, choices=Kind.choices)
    monthly_amount = models.BigIntegerField(_("月收入（分）"))
    note = models.CharField(_("说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="household__region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("家庭收入")
        verbose_name_plural = _("家庭收入")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="income_item_nonneg")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.monthly_amount}"


class Asset(models.Model):
    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("存款及有价证券")
        HOUSING = "housing", _("住房")
        VEHICLE = "vehicle", _("机动车辆")

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="assets")
    kind = models.CharField(_("财产类型"), max_length=16, choices=Kind.choices)
    quantity = models.PositiveSmallIntegerField(_("数量（套/辆）"), default=1)
    value = models.BigIntegerField(_("金额（分）"), default=0)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="household__region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("家庭财产")
        verbose_name_plural = _("家庭财产")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(value__gte=0), name="asset_value_nonneg")]

    def __str__(self):
        return f"{self.get_kind_display()} ×{self.quantity}"


class MeansTest(models.Model):
    """家庭经济状况核对: one run of the means test, with everything it used (`inputs`: the income items,
    assets, members, the rule and the standard), so a caseworker can explain the result."""

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="means_tests")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("核对基准日"))
    members = models.PositiveSmallIntegerField(_("家庭人口"))
    counted_income = models.BigIntegerField(_("计入的家庭月收入（分）"))
    per_capita_income = models.BigIntegerField(_("人均月收入（分）"))
    standard = models.BigIntegerField(_("适用低保标准（分）"))
    eligible = models.BooleanField(_("符合条件"))
    reasons = models.JSONField(_("不符合的原因"), default=list)
    amount = models.BigIntegerField(_("核定家庭月救助金（分）"))
    inputs = models.JSONField(_("核对依据"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核对人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("核对时间"), auto_now_add=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("家庭经济状况核对")
        verbose_name_plural = _("家庭经济状况核对")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(counted_income__gte=0) & Q(standard__gte=0),
                                   name="means_test_money_nonneg"),
            models.CheckConstraint(condition=Q(eligible=True) | Q(amount=0), name="means_test_ineligible_no_amount"),
        ]

    def __str__(self):
        return f"#{self.household_id} {self.on} {'符合' if self.eligible else '不符合'}"


class HouseholdEnrolment(models.Model):
    """A household enrolled as a household: its members' Enrolment rows (`person_rows`) carry the money,
    split from `monthly_amount`. Suspension, stop and the gradual exit end those rows (history kept);
    resumption starts new ones, so the payroll reads only person rows and a gap is simply not paid."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常发放")
        SUSPENDED = "suspended", _("暂停发放")
        EXITING = "exiting", _("渐退期")
        STOPPED = "stopped", _("已停发")

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="household_enrolments")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("救助类别"), max_length=16, choices=Category.choices)
    monthly_amount = models.BigIntegerField(_("家庭月救助金（分）"))
    means_test = models.ForeignKey(MeansTest, verbose_name=_("核对记录"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("终止日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    review_due = models.DateField(_("下次复核日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("家庭救助认定")
        verbose_name_plural = _("家庭救助认定")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="hh_enrolment_amount_nonneg"),
            models.UniqueConstraint(fields=["household", "category"], condition=~Q(status="stopped"),
                                    name="hh_enrolment_one_live"),
        ]
        indexes = [models.Index(fields=["region", "status", "review_due"], name="hh_enrolment_review_idx")]

    def __str__(self):
        return f"#{self.household_id} {self.get_category_display()} {self.get_status_display()}"


class PaidMonth(models.Model):
    """Months of monthly assistance a person has been paid (by the monthly payroll or paid in advance),
    written set-based when the payment is paid. The monthly payroll skips covered months; back-pay is the
    entitlement minus this amount (and minus back-pay already paid or on its way)."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("救助类别"), max_length=16, choices=Category.choices)
    month = models.CharField(_("月份"), max_length=7)
    amount = models.BigIntegerField(_("金额（分）"))
    payment = models.ForeignKey(Payment, verbose_name=_("发放明细"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("已发放月份")
        verbose_name_plural = _("已发放月份")
        constraints = [
            models.UniqueConstraint(fields=["person", "category", "month"], name="paid_month_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="paid_month_amount_nonneg"),
        ]

    def __str__(self):
        return f"{self.person_id} {self.category} {self.month}"


class Allocation(models.Model):
    """Funds pre-allocated from the centre down (提前下拨): one row per programme, year and level's region
    (no region: the central allocation), each drawn from the allocation one level up. `committed` is what
    has been passed on below or given to schemes; it never exceeds `amount`."""

    class Programme(models.TextChoices):
        RELIEF = "relief", _("困难群众救助补助资金")

    programme = models.CharField(_("资金项目"), max_length=16, choices=Programme.choices, default=Programme.RELIEF)
    year = models.PositiveSmallIntegerField(_("年度"))
    region = models.ForeignKey(Region, verbose_name=_("区域"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    parent = models.ForeignKey("self", verbose_name=_("上级资金"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    amount = models.BigIntegerField(_("下拨金额（分）"))
    committed = models.BigIntegerField(_("已分配金额（分）"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("下拨人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("下拨时间"), auto_now_add=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("资金下拨")
        verbose_name_plural = _("资金下拨")
        ordering = ["year", "region_id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(committed__gte=0) & Q(committed__lte=F("amount")),
                                   name="allocation_committed_within_amount"),
            models.UniqueConstraint(fields=["programme", "year", "region"], name="allocation_once_per_region"),
            models.UniqueConstraint(fields=["programme", "year"], condition=Q(region__isnull=True),
                                    name="allocation_once_central"),
        ]

    def __str__(self):
        return f"{self.year} {self.get_programme_display()} {self.region.name if self.region_id else _('中央')}"
