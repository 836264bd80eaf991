"""Relief in vouchers, goods and heating-fee waivers. Money is integer fen (CHECK >= 0), as everywhere.

Vouchers: a voucher scheme's terms (face value, validity, partial redemption), merchants, the vouchers a
batch issues (one or more per payment), their redemption (one per voucher, ever: a OneToOne key), the
statements that settle redemptions with a merchant, and the sweeps that return unredeemed value to the
scheme's budget at expiry.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from assistance.models import Batch, Household, Payment, Scheme
from portal import idnumber
from portal.models import Person, Region
from portal.roles import CIVIL_STAFF, Role
from portal.scoping import Scope

MERCHANT_READERS = frozenset(CIVIL_STAFF | {Role.MERCHANT})


class VoucherTerms(models.Model):
    """How a voucher scheme's money becomes vouchers."""

    scheme = models.OneToOneField(Scheme, verbose_name=_("救助项目"), on_delete=models.PROTECT,
                                  related_name="voucher_terms")
    face_value = models.BigIntegerField(_("单张面额（分）"), default=0, help_text=_("0：每人（户）一张，面额为应发金额"))
    valid_days = models.PositiveIntegerField(_("有效天数"), default=90)
    allow_partial = models.BooleanField(_("允许部分核销"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(region="scheme__region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("消费券规则")
        verbose_name_plural = _("消费券规则")
        constraints = [models.CheckConstraint(condition=Q(face_value__gte=0), name="voucher_terms_face_nonneg")]

    def __str__(self):
        return f"{self.scheme_id}: {self.face_value}/{self.valid_days}"


class Merchant(models.Model):
    """A shop registered to take vouchers. Its users (role `merchant`) carry its code as their
    `institution_code` and see only their own shop's redemptions and statements."""

    code = models.CharField(_("商户编码"), max_length=20, unique=True)
    name = models.CharField(_("商户名称"), max_length=128)
    region = models.ForeignKey(Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("地址"), max_length=255, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    active = models.BooleanField(_("有效"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region_id", merchant="code", roles=MERCHANT_READERS)

    class Meta:
        verbose_name = _("签约商户")
        verbose_name_plural = _("签约商户")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class Voucher(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("未使用")
        REDEEMED = "redeemed", _("已核销")
        EXPIRED = "expired", _("已过期")

    scheme = models.ForeignKey(Scheme, verbose_name=_("救助项目"), on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(Payment, verbose_name=_("发放明细"), on_delete=models.PROTECT, related_name="+",
                                db_index=False)
    seq = models.PositiveSmallIntegerField(_("序号"), default=1)
    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, verbose_name=_("人员"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=64, blank=True)
    id_number = models.CharField(_("身份证号码"), max_length=18, blank=True)
    # 16 characters of a 32-letter alphabet (80 random bits), shown in groups of four
    code = models.CharField(_("券码"), max_length=19, unique=True)
    value = models.BigIntegerField(_("面额（分）"))
    redeemed = models.BigIntegerField(_("已核销金额（分）"), default=0)
    returned = models.BigIntegerField(_("退回预算金额（分）"), default=0)
    expires_on = models.DateField(_("有效期至"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    issued_at = models.DateTimeField(_("发券时间"))
    swept_at = models.DateTimeField(_("到期结转时间"), null=True, blank=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("消费券")
        verbose_name_plural = _("消费券")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0) & Q(redeemed__gte=0) & Q(returned__gte=0)
                                   & Q(value__gte=F("redeemed") + F("returned")), name="voucher_money_within_value"),
            models.UniqueConstraint(fields=["payment", "seq"], name="voucher_once_per_payment_seq"),
        ]
        indexes = [
            models.Index(fields=["batch", "id"], name="voucher_batch_idx"),
            models.Index(fields=["expires_on"], condition=Q(swept_at__isnull=True), name="voucher_unswept_idx"),
        ]

    def __str__(self):
        return f"{self.masked_code} {self.value}"

    @property
    def masked_code(self) -> str:
        return f"****-****-****-{self.code[-4:]}"

    @property
    def masked_id(self) -> str:
        return idnumber.mask(self.id_number)

    @property
    def balance(self) -> int:
        return self.value - self.redeemed - self.returned


class Statement(models.Model):
    """A settlement with a counterparty (a merchant for redeemed vouchers; a heating company for its
    confirmed waivers): what the portal owes it, drawn up by staff and settled by an approver who did not
    draw it up."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待结算")
        SETTLED = "settled", _("已结算")

    class Kind(models.TextChoices):
        MERCHANT = "merchant", _("商户消费券结算")
        HEATING = "heating", _("供热单位减免结算")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    number = models.CharField(_("结算单号"), max_length=32, unique=True)
    merchant = models.ForeignKey(Merchant, verbose_name=_("商户"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="statements")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    until = models.DateTimeField(_("截止时间"))
    count = models.IntegerField(_("笔数"), default=0)
    amount = models.BigIntegerField(_("金额（分）"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    reference = models.CharField(_("支付凭证号"), max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("制单人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("制单时间"), auto_now_add=True)
    settled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("结算审批人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    settled_at = models.DateTimeField(_("结算时间"), null=True, blank=True)

    scope = Scope(region="region_id", merchant="merchant__code", roles=MERCHANT_READERS)

    class Meta:
        verbose_name = _("结算单")
        verbose_name_plural = _("结算单")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(count__gte=0), name="statement_amount_nonneg"),
            models.CheckConstraint(condition=~Q(kind="merchant") | Q(merchant__isnull=False),
                                   name="statement_merchant_has_merchant"),
        ]

    def __str__(self):
        return self.number


class Redemption(models.Model):
    """A voucher taken by a merchant: once per voucher, ever (the OneToOne key holds it under any race)."""

    voucher = models.OneToOneField(Voucher, verbose_name=_("消费券"), on_delete=models.PROTECT,
                                   related_name="redemption")
    merchant = models.ForeignKey(Merchant, verbose_name=_("商户"), on_delete=models.PROTECT,
                                 related_name="redemptions")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("核销金额（分）"))
    at = models.DateTimeField(_("核销时间"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT,
                           related_name="+")
    statement = models.ForeignKey(Statement, verbose_name=_("结算单"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="redemptions")

    scope = Scope(region="region_id", merchant="merchant__code", roles=MERCHANT_READERS)

    class Meta:
        verbose_name = _("核销记录")
        verbose_name_plural = _("核销记录")
        ordering = ["-at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="redemption_amount_pos")]
        indexes = [models.Index(fields=["merchant", "statement", "at"], name="redemption_unsettled_idx")]

    def __str__(self):
        return f"{self.voucher_id} @ {self.merchant_id}: {self.amount}"


class VoucherSweep(models.Model):
    """One run of the expiry job for one scheme: how much unredeemed value went back to its budget."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("救助项目"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("结转日"))
    vouchers = models.IntegerField(_("到期张数"))
    amount = models.BigIntegerField(_("退回金额（分）"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("消费券到期结转")
        verbose_name_plural = _("消费券到期结转")
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="voucher_sweep_amount_nonneg")]

    def __str__(self):
        return f"{self.scheme_id} {self.on}: {self.amount}"
