"""Cross-province mutual aid of employee medical-insurance personal accounts (医保个人账户跨省共济).

Money is integer fen. An employee's personal account keeps `balance` and `reserved` (the sum of the
unused quotas it has granted); every movement is an immutable `LedgerEntry` whose `amount` is the
balance delta and `reserved_delta` the reservation delta, so for every account

    balance  == SUM(ledger.amount)          reserved == SUM(ledger.reserved_delta)
    0 <= reserved <= balance                 (database CHECK constraints)
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Person, Region, Role
from portal.scoping import Scope

INSTITUTION_CODE_RE = re.compile(r"^[HP]\d{6}\d{1,10}$")


def validate_institution_code(value: str) -> None:
    if not INSTITUTION_CODE_RE.match(value or ""):
        raise ValidationError(_("机构编码格式应为 H 或 P 加区划代码和序号，例如 H34160200001。"), code="institution_code")


class Insured(models.Model):
    class Scheme(models.TextChoices):
        EMPLOYEE = "employee", _("职工基本医疗保险")
        RESIDENT = "resident", _("城乡居民基本医疗保险")

    class Status(models.TextChoices):
        ACTIVE = "active", _("参保缴费")
        TRANSFERRED = "transferred", _("已转移")
        TERMINATED = "terminated", _("已终止")
        DECEASED = "deceased", _("已死亡")

    person = models.OneToOneField(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="insured")
    scheme = models.CharField(_("参保险种"), max_length=16, choices=Scheme.choices)
    region = models.ForeignKey(Region, verbose_name=_("统筹地区"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("参保状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    wallet_opened = models.BooleanField(_("已开通个人医保钱包"), default=False)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope = Scope(region="region", person=("person",), roles=frozenset({Role.INSURANCE_OFFICER, Role.INSURED}))

    class Meta:
        verbose_name = _("参保人")
        verbose_name_plural = _("参保人")
        ordering = ["-id"]
        indexes = [models.Index(fields=["region", "status"], name="mp_insured_region_status")]

    def __str__(self):
        return f"{self.person.name} {self.person.masked_id}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class InsuredStatusChange(models.Model):
    insured = models.ForeignKey(Insured, verbose_name=_("参保人"), on_delete=models.PROTECT,
                                related_name="status_changes")
    from_status = models.CharField(_("原状态"), max_length=16, choices=Insured.Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=Insured.Status.choices)
    reason = models.CharField(_("原因"), max_length=255, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")

    scope = Scope(region="insured__region", person=("insured__person",),
                  roles=frozenset({Role.INSURANCE_OFFICER, Role.INSURED}))

    class Meta:
        verbose_name = _("参保状态变更")
        verbose_name_plural = _("参保状态变更")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.from_status or '-'} → {self.to_status}"


class Account(models.Model):
    """职工医保个人账户. `reserved` = Σ(quota − used) over the active relations this account funds."""

    insured = models.OneToOneField(Insured, verbose_name=_("参保人"), on_delete=models.PROTECT, related_name="account")
    balance = models.BigIntegerField(_("余额（分）"), default=0)
    reserved = models.BigIntegerField(_("共济占用（分）"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope = Scope(region="insured__region", person=("insured__person",),
                  roles=frozenset({Role.INSURANCE_OFFICER, Role.INSURED}))

    class Meta:
        verbose_name = _("个人账户")
        verbose_name_plural = _("个人账户")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="mp_account_balance_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="mp_account_reserved_gte_0"),
            models.CheckConstraint(condition=Q(reserved__lte=F("balance")), name="mp_account_reserved_lte_balance"),
        ]

    def __str__(self):
        return f"{_('个人账户')} #{self.pk}"

    @property
    def available(self) -> int:
        return self.balance - self.reserved


class Institution(models.Model):
    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("定点医疗机构")
        PHARMACY = "pharmacy", _("定点零售药店")

    code = models.CharField(_("国家医保机构编码"), max_length=20, unique=True, validators=[validate_institution_code])
    name = models.CharField(_("名称"), max_length=128)
    region = models.ForeignKey(Region, verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region", institution="code",
                  roles=frozenset({Role.INSURANCE_OFFICER, Role.INSTITUTION}))

    class Meta:
        verbose_name = _("定点医药机构")
        verbose_name_plural = _("定点医药机构")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class Kinship(models.TextChoices):
    SPOUSE = "spouse", _("配偶")
    PARENT = "parent", _("父母")
    CHILD = "child", _("子女")
    SIBLING = "sibling", _("兄弟姐妹")
    GRANDPARENT = "grandparent", _("祖父母、外祖父母")
    GRANDCHILD = "grandchild", _("孙子女、外孙子女")


class Relation(models.Model):
    """共济关系: the pooler lets the beneficiary spend up to `quota` of the pooler's account."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待对方确认")
        ACTIVE = "active", _("生效")
        DISSOLVED = "dissolved", _("已解除")

    pooler = models.ForeignKey(Insured, verbose_name=_("共济人"), on_delete=models.PROTECT, related_name="relations_out")
    beneficiary = models.ForeignKey(Insured, verbose_name=_("被共济人"), on_delete=models.PROTECT,
                                    related_name="relations_in")
    kinship = models.CharField(_("亲属关系"), max_length=16, choices=Kinship.choices)
    quota = models.BigIntegerField(_("共济额度（分）"))
    used = models.BigIntegerField(_("已使用（分）"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("建立时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    accepted_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("确认人"))
    dissolved_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    dissolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("解除人"))
    reason = models.CharField(_("解除原因"), max_length=255, blank=True)

    scope = Scope(region=("pooler__region", "beneficiary__region"),
                  person=("pooler__person", "beneficiary__person"),
                  roles=frozenset({Role.INSURANCE_OFFICER, Role.INSURED}))

    class Meta:
        verbose_name = _("共济关系")
        verbose_name_plural = _("共济关系")
        ordering = ["-id"]
        constraints = [
            # one pending-or-active relation per pair (a request waiting for consent counts)
            models.UniqueConstraint(fields=["pooler", "beneficiary"], condition=Q(status__in=["pending", "active"]),
                                    name="mp_relation_one_open_per_pair"),
            models.CheckConstraint(condition=Q(used__gte=0), name="mp_relation_used_gte_0"),
            models.CheckConstraint(condition=Q(used__lte=F("quota")), name="mp_relation_used_lte_quota"),
            models.CheckConstraint(condition=~Q(pooler=F("beneficiary")), name="mp_relation_no_self"),
        ]

    def __str__(self):
        return f"{_('共济关系')} #{self.pk}"

    @property
    def remaining(self) -> int:
        return self.quota - self.used if self.status == self.Status.ACTIVE else 0

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class PaymentCode(models.Model):
    """A one-time payment code (付款码) the beneficiary shows a designated institution. Only a keyed hash of
    the code is stored (HMAC-SHA256 with SECRET_KEY): the code itself is shown once and never kept."""

    # a code for a relation (the beneficiary spends the quota) or the owner's own (本人付款码: the pooler spends
    # from their own personal account, never what is reserved for relatives)
    relation = models.ForeignKey(Relation, verbose_name=_("共济关系"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="payment_codes")
    owner = models.ForeignKey(Insured, verbose_name=_("本人"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="own_payment_codes")
    digest = models.CharField(_("付款码摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    spend = models.OneToOneField("Spend", verbose_name=_("共济支付"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="payment_code")
    own_spend = models.OneToOneField("OwnSpend", verbose_name=_("本人账户支付"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="payment_code")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope = Scope(region=("relation__pooler__region", "relation__beneficiary__region", "owner__region"),
                  person=("relation__beneficiary__person", "owner__person"),
                  roles=frozenset({Role.INSURANCE_OFFICER, Role.INSURED}))

    class Meta:
        verbose_name = _("共济付款码")
        verbose_name_plural = _("共济付款码")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(used_at__isnull=True) | Q(spend__isnull=False)
                                   | Q(own_spend__isnull=False), name="mp_payment_code_used_has_spend"),
            models.CheckConstraint(condition=Q(relation__isnull=False, owner__isnull=True)
                                   | Q(relation__isnull=True, owner__isnull=False),
                                   name="mp_payment_code_relation_or_owner"),
        ]

    def __str__(self):
        return f"{_('共济付款码')} #{self.pk}"


class ClearingMonth(models.Model):
    """The clearing state of one month (按月全额清算). Spends book into a month holding a FOR SHARE lock on its
    row; the settlement run holds FOR UPDATE on it while it clears, and closes it on success. A closed month
    never takes another spend: a late one books into the first month still open after it."""

    class Status(models.TextChoices):
        OPEN = "open", _("未清算")
        CLEARING = "clearing", _("清算中")
        CLOSED = "closed", _("已清算")

    month = models.CharField(_("清算月份"), max_length=7, unique=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("关账时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("清算月份")
        verbose_name_plural = _("清算月份")
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month} {self.get_status_display()}"


class Spend(models.Model):
    """A pooled payment recorded by a designated institution for the beneficiary. A refund of a spend is a
    second row (`refund_of`, negative amount) booked into a clearing month that is still open."""

    class Category(models.TextChoices):
        MEDICAL = "medical", _("定点医疗机构个人负担费用")
        PHARMACY = "pharmacy", _("定点零售药店购药")
        PREMIUM = "premium", _("居民医保、长护险个人缴费")

    class PremiumScheme(models.TextChoices):
        RESIDENT = "resident", _("城乡居民基本医疗保险")
        LONG_TERM_CARE = "ltc", _("长期护理保险")

    relation = models.ForeignKey(Relation, verbose_name=_("共济关系"), on_delete=models.PROTECT, related_name="spends")
    # null for a premium (保费) paid through the premium collection path: its payee is the beneficiary's
    # pooling region's fund, not a designated institution
    institution = models.ForeignKey(Institution, verbose_name=_("定点机构"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="spends")
    premium_scheme = models.CharField(_("缴费险种"), max_length=16, choices=PremiumScheme.choices, blank=True,
                                      db_default="")
    premium_year = models.PositiveSmallIntegerField(_("缴费年度"), null=True, blank=True)
    beneficiary = models.ForeignKey(Insured, verbose_name=_("被共济人"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    amount = models.BigIntegerField(_("金额（分）"))
    occurred_at = models.DateTimeField(_("发生时间"))
    payer_region = models.CharField(_("支付方统筹地区"), max_length=6)
    payee_region = models.CharField(_("收款方统筹地区"), max_length=6)
    clearing_month = models.CharField(_("清算月份"), max_length=7, db_index=True)
    refund_of = models.OneToOneField("self", verbose_name=_("退款对应支付"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="refund_row")
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope = Scope(region=("payer_region", "payee_region"),
                  person=("relation__pooler__person", "beneficiary__person"),
                  institution="institution__code",
                  roles=frozenset({Role.INSURANCE_OFFICER, Role.INSURED, Role.INSTITUTION}))

    class Meta:
        verbose_name = _("共济支付")
        verbose_name_plural = _("共济支付")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(refund_of__isnull=True, amount__gt=0)
                                   | Q(refund_of__isnull=False, amount__lt=0), name="mp_spend_amount_sign"),
            # a spend without an institution is a premium paid through the premium collection path
            models.CheckConstraint(condition=Q(institution__isnull=False)
                                   | Q(category="premium", premium_scheme__in=["resident", "ltc"]),
                                   name="mp_spend_premium_without_institution"),
        ]
        indexes = [
            models.Index(fields=["occurred_at"], name="mp_spend_occurred"),
            models.Index(fields=["payer_region", "payee_region", "occurred_at"], name="mp_spend_pair_time"),
        ]

    def __str__(self):
        return f"{_('共济支付')} #{self.pk}"


def all_categories() -> list[str]:
    return list(Spend.Category.values)


class RegionRule(models.Model):
    """各地政策和执行标准: one pooling region's rules as data. A spend follows the paying (pooler's) region's
    rule; a region without a row follows the national defaults (every category, no caps, the settings'
    claim window, wallet open)."""

    region = models.OneToOneField(Region, verbose_name=_("统筹地区"), on_delete=models.PROTECT, related_name="+")
    categories = models.JSONField(_("允许的支付类别"), default=all_categories)
    cap_per_spend = models.BigIntegerField(_("单笔上限（分）"), null=True, blank=True)
    cap_per_month = models.BigIntegerField(_("每人每月上限（分）"), null=True, blank=True)
    wallet_opened_on = models.DateField(_("个人医保钱包开通日期"), null=True, blank=True,
                                        help_text=_("空：尚未开通，不能建立新的共济关系"))
    claim_window_days = models.PositiveIntegerField(_("结算期限（天）"), null=True, blank=True,
                                                    help_text=_("空：按全国默认"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope = Scope(region="region", roles=frozenset({Role.INSURANCE_OFFICER}))

    class Meta:
        verbose_name = _("统筹地区共济规则")
        verbose_name_plural = _("统筹地区共济规则")
        ordering = ["region_id"]
        constraints = [
            models.CheckConstraint(condition=Q(cap_per_spend__isnull=True) | Q(cap_per_spend__gt=0),
                                   name="mp_region_rule_cap_spend_gt_0"),
            models.CheckConstraint(condition=Q(cap_per_month__isnull=True) | Q(cap_per_month__gt=0),
                                   name="mp_region_rule_cap_month_gt_0"),
        ]

    def __str__(self):
        return f"{self.region_id} {_('共济规则')}"

    def allows(self, category: str) -> bool:
        return category in (self.categories or [])


class OwnSpend(models.Model):
    """本人使用: the insured person's own spending from their personal account at a designated institution,
    by their own payment code. It can never use what is reserved for relatives (available = balance −
    reserved). Not pooled money: no clearing statement."""

    insured = models.ForeignKey(Insured, verbose_name=_("参保人"), on_delete=models.PROTECT, related_name="own_spends")
    institution = models.ForeignKey(Institution, verbose_name=_("定点机构"), on_delete=models.PROTECT,
                                    related_name="own_spends")
    category = models.CharField(_("类别"), max_length=16, choices=Spend.Category.choices)
    amount = models.BigIntegerField(_("金额（分）"))
    occurred_at = models.DateTimeField(_("发生时间"))
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope = Scope(region="insured__region", person=("insured__person",), institution="institution__code",
                  roles=frozenset({Role.INSURANCE_OFFICER, Role.INSURED, Role.INSTITUTION}))

    class Meta:
        verbose_name = _("本人账户支付")
        verbose_name_plural = _("本人账户支付")
        ordering = ["-occurred_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="mp_own_spend_amount_gt_0")]

    def __str__(self):
        return f"{_('本人账户支付')} #{self.pk}"


class LedgerEntry(models.Model):
    """An immutable movement on a personal account. Rows are only ever inserted."""

    class Kind(models.TextChoices):
        CONTRIBUTION = "contribution", _("个人账户划入")
        OWN_SPEND = "own_spend", _("本人使用")
        POOLED_SPEND = "pooled_spend", _("共济支付")
        RESERVE = "reserve", _("共济额度占用")
        RELEASE = "release", _("共济额度释放")
        REFUND = "refund", _("退款")
        ADJUST = "adjust", _("调整")

    account = models.ForeignKey(Account, verbose_name=_("个人账户"), on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    amount = models.BigIntegerField(_("余额变动（分）"), default=0)
    reserved_delta = models.BigIntegerField(_("占用变动（分）"), default=0)
    balance_after = models.BigIntegerField(_("变动后余额（分）"))
    reserved_after = models.BigIntegerField(_("变动后占用（分）"))
    relation = models.ForeignKey(Relation, verbose_name=_("共济关系"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="ledger")
    spend = models.ForeignKey(Spend, verbose_name=_("共济支付"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="ledger")
    own_spend = models.ForeignKey(OwnSpend, verbose_name=_("本人账户支付"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="ledger")
    note = models.CharField(_("说明"), max_length=255, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    scope = Scope(region="account__insured__region", person=("account__insured__person",),
                  roles=frozenset({Role.INSURANCE_OFFICER, Role.INSURED}))

    class Meta:
        verbose_name = _("账户流水")
        verbose_name_plural = _("账户流水")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0) & Q(reserved_after__gte=0)
                                   & Q(reserved_after__lte=F("balance_after")), name="mp_ledger_after_valid"),
            models.UniqueConstraint(fields=["spend"], condition=Q(kind="refund"), name="mp_ledger_one_refund_per_spend"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("账户流水不可修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("账户流水不可删除。"))


class SettlementRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        DONE = "done", _("已清算")
        MISMATCH = "mismatch", _("对账不符")

    month = models.CharField(_("清算月份"), max_length=7, unique=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    run_at = models.DateTimeField(_("清算时间"), null=True, blank=True)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    spend_count = models.BigIntegerField(_("跨地区支付笔数"), default=0)
    spend_amount = models.BigIntegerField(_("跨地区支付金额（分）"), default=0)
    line_count = models.BigIntegerField(_("清算单笔数合计"), default=0)
    line_amount = models.BigIntegerField(_("清算单金额合计（分）"), default=0)

    scope = Scope(region=None, roles=frozenset({Role.INSURANCE_OFFICER}))

    class Meta:
        verbose_name = _("月度清算")
        verbose_name_plural = _("月度清算")
        ordering = ["-month"]

    def __str__(self):
        return self.month

    @property
    def reconciled(self) -> bool:
        return self.spend_count == self.line_count and self.spend_amount == self.line_amount


class SettlementLine(models.Model):
    """One statement: what `payer_region` owes `payee_region` for a month's cross-region spends."""

    month = models.CharField(_("清算月份"), max_length=7)
    payer_region = models.CharField(_("支付方统筹地区"), max_length=6)
    payee_region = models.CharField(_("收款方统筹地区"), max_length=6)
    count = models.BigIntegerField(_("笔数"))
    amount = models.BigIntegerField(_("金额（分）"))

    scope = Scope(region=("payer_region", "payee_region"), roles=frozenset({Role.INSURANCE_OFFICER}))

    class Meta:
        verbose_name = _("清算单")
        verbose_name_plural = _("清算单")
        ordering = ["month", "payer_region", "payee_region"]
        constraints = [
            models.UniqueConstraint(fields=["month", "payer_region", "payee_region"], name="mp_settlement_line_uniq"),
            # a month's refunds of spends cleared earlier may outweigh its spends for a pair: amount may be < 0
            models.CheckConstraint(condition=Q(count__gte=0), name="mp_settlement_line_count_gte_0"),
        ]

    def __str__(self):
        return f"{self.month} {self.payer_region}→{self.payee_region}"


class FraudRule(models.Model):
    """防范欺诈骗保: a rule kept as data (kind + thresholds), run on each spend and nightly."""

    class Kind(models.TextChoices):
        BURST = "burst", _("短时间内集中用尽额度")
        MANY_RELATIONS = "many_relations", _("同一共济人关系过多")
        MANY_POOLERS = "many_poolers", _("同一被共济人被多人共济")
        FAR_SPEND = "far_spend", _("异地消费（远离双方参保地）")
        REPEATED_AMOUNT = "repeated_amount", _("重复相同金额")

    code = models.SlugField(_("规则编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    severity = models.PositiveSmallIntegerField(_("风险等级"), default=2, help_text=_("1 低 · 2 中 · 3 高"))

    class Meta:
        verbose_name = _("反欺诈规则")
        verbose_name_plural = _("反欺诈规则")
        ordering = ["code"]

    def __str__(self):
        return self.name


class FraudAlert(models.Model):
    """An item in the officers' review queue, with the evidence that raised it."""

    class Status(models.TextChoices):
        OPEN = "open", _("待核查")
        CONFIRMED = "confirmed", _("确认异常")
        DISMISSED = "dismissed", _("排除")

    rule = models.ForeignKey(FraudRule, verbose_name=_("规则"), on_delete=models.PROTECT, related_name="alerts")
    key = models.CharField(_("去重键"), max_length=128)
    region_code = models.CharField(_("统筹地区"), max_length=6, db_index=True)
    insured = models.ForeignKey(Insured, verbose_name=_("涉及参保人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    relation = models.ForeignKey(Relation, verbose_name=_("共济关系"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    spend = models.ForeignKey(Spend, verbose_name=_("共济支付"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    evidence = models.JSONField(_("证据"), default=dict)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    reviewed_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    note = models.CharField(_("核查意见"), max_length=255, blank=True)

    scope = Scope(region="region_code", roles=frozenset({Role.INSURANCE_OFFICER}))

    class Meta:
        verbose_name = _("疑点核查")
        verbose_name_plural = _("疑点核查")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "key"], name="mp_fraud_alert_rule_key_uniq")]

    def __str__(self):
        return f"{self.rule.name} #{self.pk}"
