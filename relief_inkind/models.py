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
from portal import pii
from portal.models import Person, Region
from portal.roles import CIVIL_STAFF, Role
from portal.scoping import Scope
from portal.storage import private_storage

MERCHANT_READERS = frozenset(CIVIL_STAFF | {Role.MERCHANT})
COMPANY_READERS = frozenset(CIVIL_STAFF | {Role.HEATING_COMPANY})
STATEMENT_READERS = frozenset(CIVIL_STAFF | {Role.MERCHANT, Role.HEATING_COMPANY})


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
    # copied from the payment as stored (HMAC, ciphertext, masked form: portal.pii), never in plain text
    id_number = pii.SealedField(_("身份证号码"), kind=pii.ID, blank=True, default="", db_default="")
    id_number_enc = models.BinaryField(editable=False, default=b"", db_default=b"")
    id_number_masked = models.CharField(max_length=18, editable=False, blank=True, default="", db_default="")
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
        return self.id_number_masked

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

    company = models.ForeignKey("HeatingCompany", verbose_name=_("供热单位"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="statements")

    scope = Scope(region="region_id", merchant="merchant__code", company="company__code", roles=STATEMENT_READERS)

    class Meta:
        verbose_name = _("结算单")
        verbose_name_plural = _("结算单")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(count__gte=0), name="statement_amount_nonneg"),
            models.CheckConstraint(condition=~Q(kind="merchant") | Q(merchant__isnull=False),
                                   name="statement_merchant_has_merchant"),
            models.CheckConstraint(condition=~Q(kind="heating") | Q(company__isnull=False),
                                   name="statement_heating_has_company"),
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


# --------------------------------------------------------------------------- goods in kind (实物)


def signature_path(instance, filename):
    import uuid

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"inkind/signatures/{instance.region_id}/{uuid.uuid4().hex}.{ext}"


class Item(models.Model):
    """A kind of goods handed out (棉被、棉衣、煤、大米 …), counted in whole units."""

    name = models.CharField(_("物资名称"), max_length=64, unique=True)
    unit = models.CharField(_("计量单位"), max_length=8)

    class Meta:
        verbose_name = _("救助物资")
        verbose_name_plural = _("救助物资")
        ordering = ["id"]

    def __str__(self):
        return f"{self.name}（{self.unit}）"


class DistributionPoint(models.Model):
    """Where goods are kept and handed over; it serves households of its region and below."""

    name = models.CharField(_("发放点名称"), max_length=128)
    region = models.ForeignKey(Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("地址"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("实物发放点")
        verbose_name_plural = _("实物发放点")
        ordering = ["id"]

    def __str__(self):
        return self.name


class Stock(models.Model):
    """What a point holds of an item now; moved only with a StockMove in the same transaction, so
    on hand = Σ in − Σ out, always (CHECK on_hand >= 0: nothing is handed out that is not there)."""

    point = models.ForeignKey(DistributionPoint, verbose_name=_("发放点"), on_delete=models.PROTECT,
                              related_name="stock")
    item = models.ForeignKey(Item, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="+")
    on_hand = models.IntegerField(_("库存"), default=0)

    scope = Scope(region="point__region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("库存")
        verbose_name_plural = _("库存")
        constraints = [
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_nonneg"),
            models.UniqueConstraint(fields=["point", "item"], name="stock_one_row_per_point_item"),
        ]

    def __str__(self):
        return f"{self.point_id}/{self.item_id}: {self.on_hand}"


class PackageLine(models.Model):
    """What each recipient of an in-kind scheme receives: so many units of an item."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("救助项目"), on_delete=models.PROTECT,
                               related_name="package_lines")
    item = models.ForeignKey(Item, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("每份数量"))

    scope = Scope(region="scheme__region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("实物发放标准")
        verbose_name_plural = _("实物发放标准")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="package_quantity_pos"),
            models.UniqueConstraint(fields=["scheme", "item"], name="package_one_line_per_item"),
        ]

    def __str__(self):
        return f"{self.item} × {self.quantity}"


class DistributionLine(models.Model):
    """One recipient on a batch's distribution list: waits until the goods are handed over and signed for."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待领取")
        HANDED_OVER = "handed_over", _("已领取")

    class Signer(models.TextChoices):
        RECIPIENT = "recipient", _("本人签收")
        PROXY = "proxy", _("代领人签收")

    class SignatureKind(models.TextChoices):
        SCAN = "scan", _("签收单扫描件")
        TABLET = "tablet", _("平板手写签名")

    scheme = models.ForeignKey(Scheme, verbose_name=_("救助项目"), on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="+")
    payment = models.OneToOneField(Payment, verbose_name=_("发放明细"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=64, blank=True)
    # copied from the payment as stored (HMAC, ciphertext, masked form: portal.pii), never in plain text
    id_number = pii.SealedField(_("身份证号码"), kind=pii.ID, blank=True, default="", db_default="")
    id_number_enc = models.BinaryField(editable=False, default=b"", db_default=b"")
    id_number_masked = models.CharField(max_length=18, editable=False, blank=True, default="", db_default="")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    point = models.ForeignKey(DistributionPoint, verbose_name=_("发放点"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    signer = models.CharField(_("签收人"), max_length=16, choices=Signer.choices, blank=True)
    proxy_name = models.CharField(_("代领人姓名"), max_length=64, blank=True)
    proxy_id_number = pii.SealedField(_("代领人身份证号码"), kind=pii.ID, blank=True, default="", db_default="")
    proxy_id_number_enc = models.BinaryField(editable=False, default=b"", db_default=b"")
    proxy_id_number_masked = models.CharField(max_length=18, editable=False, blank=True, default="", db_default="")
    signature_kind = models.CharField(_("签收方式"), max_length=16, choices=SignatureKind.choices, blank=True)
    signature = models.FileField(_("签收凭证"), upload_to=signature_path, max_length=200, blank=True,
                                 storage=private_storage)
    handed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    handed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    scope = Scope(region="region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("实物发放清单")
        verbose_name_plural = _("实物发放清单")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending") | (Q(point__isnull=False) & ~Q(signer="") & ~Q(signature="")),
                name="handover_has_point_signer_signature"),
        ]
        indexes = [models.Index(fields=["batch", "status", "id"], name="distribution_batch_idx")]

    def __str__(self):
        return f"{self.name} {self.get_status_display()}"

    @property
    def masked_id(self) -> str:
        return self.id_number_masked


class StockMove(models.Model):
    class Kind(models.TextChoices):
        IN = "in", _("入库")
        OUT = "out", _("发放出库")

    point = models.ForeignKey(DistributionPoint, verbose_name=_("发放点"), on_delete=models.PROTECT,
                              related_name="moves")
    item = models.ForeignKey(Item, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    quantity = models.PositiveIntegerField(_("数量"))
    line = models.ForeignKey(DistributionLine, verbose_name=_("发放清单"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="moves")
    note = models.CharField(_("说明"), max_length=255, blank=True)
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT,
                           related_name="+")

    scope = Scope(region="point__region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("出入库记录")
        verbose_name_plural = _("出入库记录")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_move_quantity_pos"),
            models.CheckConstraint(condition=Q(kind="in") | Q(line__isnull=False), name="stock_out_has_line"),
        ]

    def __str__(self):
        return f"{self.kind} {self.item_id} × {self.quantity}"


# --------------------------------------------------------------------------- heating-fee waivers (减免取暖费用)


class HeatingCompany(models.Model):
    """A heating company: a counterparty that reduces its customers' bills and is settled by statement.
    Its users (role `heating_company`) carry its code and see only its own waiver lines and statements."""

    code = models.CharField(_("单位编码"), max_length=20, unique=True)
    name = models.CharField(_("单位名称"), max_length=128)
    region = models.ForeignKey(Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    contact = models.CharField(_("联系人"), max_length=64, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(region="region_id", company="code", roles=COMPANY_READERS)

    class Meta:
        verbose_name = _("供热单位")
        verbose_name_plural = _("供热单位")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class HeatingAccount(models.Model):
    """Which company heats a household, under which customer number (用户号)."""

    household = models.OneToOneField(Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(HeatingCompany, verbose_name=_("供热单位"), on_delete=models.PROTECT,
                                related_name="accounts")
    customer_number = models.CharField(_("供热用户号"), max_length=32)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(region="household__region_id", roles=CIVIL_STAFF)

    class Meta:
        verbose_name = _("供热用户")
        verbose_name_plural = _("供热用户")
        constraints = [models.UniqueConstraint(fields=["company", "customer_number"], name="heating_account_unique")]

    def __str__(self):
        return f"{self.company_id}:{self.customer_number}"


class WaiverLine(models.Model):
    """One household's waiver on a batch's list for its company: sent, then confirmed by the company (the bill
    is reduced), then settled with the company on a statement."""

    class Status(models.TextChoices):
        SENT = "sent", _("待供热单位确认")
        CONFIRMED = "confirmed", _("已减免")

    scheme = models.ForeignKey(Scheme, verbose_name=_("救助项目"), on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="+")
    payment = models.OneToOneField(Payment, verbose_name=_("发放明细"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(HeatingCompany, verbose_name=_("供热单位"), on_delete=models.PROTECT,
                                related_name="waivers")
    customer_number = models.CharField(_("供热用户号"), max_length=32)
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("户主姓名"), max_length=64, blank=True)
    amount = models.BigIntegerField(_("减免金额（分）"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SENT)
    exported_at = models.DateTimeField(_("导出时间"), null=True, blank=True)
    bill_number = models.CharField(_("减免后账单号"), max_length=64, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    statement = models.ForeignKey(Statement, verbose_name=_("结算单"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="waivers")

    scope = Scope(region="region_id", company="company__code", roles=COMPANY_READERS)

    class Meta:
        verbose_name = _("取暖费减免明细")
        verbose_name_plural = _("取暖费减免明细")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="waiver_amount_pos"),
            models.CheckConstraint(condition=Q(statement__isnull=True) | Q(status="confirmed"),
                                   name="waiver_settled_only_when_confirmed"),
        ]
        indexes = [models.Index(fields=["company", "status", "id"], name="waiver_company_idx")]

    def __str__(self):
        return f"{self.customer_number} {self.amount}"
