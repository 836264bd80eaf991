"""Vouchers (消费券): merchants, a scheme's voucher terms, issuing a batch's vouchers (the channel's step),
redeeming a code once, and returning unredeemed value to the budget at expiry."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import services as assistance_services
from assistance.models import Batch, Payment, Scheme
from portal.models import Region
from portal.money import yuan_str
from portal.permissions import CIVIL_STAFF, Role, require
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import Merchant, Redemption, Voucher, VoucherSweep, VoucherTerms
from ._shared import ORG_CODE_RE, new_voucher_code, normalise_voucher_code, region_within

MAX_VOUCHERS_PER_PAYMENT = 50


@transaction.atomic
def merchant_register(*, code: str, name: str, region: str, actor, address: str = "", phone: str = "") -> Merchant:
    """A shop that may take vouchers of schemes whose region holds its own."""
    require(actor, roles=CIVIL_STAFF, region=region)
    code = (code or "").strip().upper()
    errors = {}
    if not ORG_CODE_RE.fullmatch(code):
        errors["code"] = [_("商户编码应为6至20位大写字母或数字。")]
    elif Merchant.objects.filter(code=code).exists():
        errors["code"] = [_("该商户编码已登记。")]
    if not (name or "").strip():
        errors["name"] = [_("请填写商户名称。")]
    if not Region.objects.filter(code=region).exists():
        errors["region"] = [_("未知的行政区划代码。")]
    if errors:
        raise ValidationError(errors)
    merchant = Merchant.objects.create(code=code, name=name.strip(), region_id=region, address=(address or "").strip(),
                                       phone=(phone or "").strip(), created_by=actor)
    audit(actor=actor, action=AuditAction.MERCHANT_REGISTER, obj=merchant, region_code=region,
          after={"code": code, "name": merchant.name})
    return merchant


@transaction.atomic
def merchant_set_active(*, merchant: Merchant, active: bool, actor) -> Merchant:
    """Suspend a merchant (it can no longer redeem) or take it back."""
    require(actor, roles=CIVIL_STAFF, region=merchant.region_id)
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    before = merchant.active
    merchant.active = bool(active)
    merchant.save(update_fields=["active"])
    audit(actor=actor, action=AuditAction.MERCHANT_UPDATE, obj=merchant, region_code=merchant.region_id,
          before={"active": before}, after={"active": merchant.active})
    return merchant


@transaction.atomic
def voucher_terms_set(*, scheme: Scheme, actor, face_value: int = 0, valid_days: int = 90,
                      allow_partial: bool = False) -> VoucherTerms:
    """How a voucher scheme's amounts become vouchers. Fixed once its first batch is approved."""
    require(actor, roles=CIVIL_STAFF, region=scheme.region_id)
    errors = {}
    if scheme.payment_form != Scheme.PaymentForm.VOUCHER:
        errors["scheme"] = [_("只有发放形式为消费券的项目可以设置消费券规则。")]
    if face_value is None or face_value < 0:
        errors["face_value"] = [_("面额不能为负数。")]
    if valid_days is None or not 1 <= valid_days <= 731:
        errors["valid_days"] = [_("有效天数应在1到731之间。")]
    if not errors and Voucher.objects.filter(scheme=scheme).exists():
        errors["scheme"] = [_("该项目已发券，消费券规则不能再修改。")]
    if errors:
        raise ValidationError(errors)
    before = VoucherTerms.objects.filter(scheme=scheme).values("face_value", "valid_days", "allow_partial").first()
    terms, _created = VoucherTerms.objects.update_or_create(
        scheme=scheme, defaults={"face_value": face_value, "valid_days": valid_days, "allow_partial": allow_partial})
    audit(actor=actor, action=AuditAction.VOUCHER_TERMS_SET, obj=terms, region_code=scheme.region_id,
          before=before, after={"face_value": face_value, "valid_days": valid_days, "allow_partial": allow_partial})
    return terms


def _split(amount: int, face: int) -> list[int]:
    """A payment's amount as voucher values: whole faces and the remainder (one voucher when face is 0)."""
    if face <= 0 or face >= amount:
        return [amount]
    values = [face] * (amount // face)
    if amount % face:
        values.append(amount % face)
    if len(values) > MAX_VOUCHERS_PER_PAYMENT:  # a face far too small for the amount: fewer, larger vouchers
        face = -(-amount // MAX_VOUCHERS_PER_PAYMENT)
        return _split(amount, face)
    return values


def vouchers_issue(*, batch: Batch, rows: list[dict]) -> list[tuple[int, str, str, str]]:
    """The voucher channel's step for one chunk of a batch's pending payments (inside the payout's chunk
    transaction, under the batch row lock): each payment becomes its vouchers, inserted in bulk, and is
    answered `paid` (issued). The key (payment, seq) makes a repeat impossible."""
    if not rows:
        return []
    terms = VoucherTerms.objects.filter(scheme_id=batch.scheme_id).first() or VoucherTerms(scheme_id=batch.scheme_id)
    now = timezone.now()
    expires = timezone.localdate() + dt.timedelta(days=terms.valid_days)
    info = {p["id"]: p for p in Payment.objects.filter(id__in=[r["id"] for r in rows]).values(
        "id", "household_id", "person_id", "region_id", "amount", "id_number", "id_number_enc", "id_number_masked")}
    vouchers, results = [], []
    for row in rows:
        p = info[row["id"]]
        if p["amount"] <= 0:
            results.append((row["id"], "failed", "", _("应发金额为零，未发券")))
            continue
        for seq, value in enumerate(_split(p["amount"], terms.face_value), start=1):
            vouchers.append(Voucher(
                scheme_id=batch.scheme_id, batch_id=batch.pk, payment_id=row["id"], seq=seq,
                household_id=p["household_id"], person_id=p["person_id"], region_id=p["region_id"],
                name=row["name"], id_number=p["id_number"], id_number_enc=p["id_number_enc"],
                id_number_masked=p["id_number_masked"], code=new_voucher_code(), value=value,
                expires_on=expires, issued_at=now))
        results.append((row["id"], "paid", f"VCH-{batch.pk}-{row['id']}", ""))
    Voucher.objects.bulk_create(vouchers, batch_size=5000)
    audit(actor=None, action=AuditAction.VOUCHERS_ISSUE, obj=batch, region_code=batch.region_id,
          after={"payments": len(rows), "vouchers": len(vouchers), "value": sum(v.value for v in vouchers),
                 "expires_on": expires})
    return results


def _merchant_of(actor) -> Merchant:
    merchant = Merchant.objects.filter(code=actor.institution_code or "", active=True).first()
    if merchant is None:
        raise PermissionDenied(_("您的账号未关联有效的签约商户。"))
    return merchant


@transaction.atomic
def voucher_redeem(*, code: str, amount: int | None, actor) -> Redemption:
    """A merchant takes a voucher: once, ever; the whole value, or (when the scheme allows) a part of it
    whose rest returns to the budget at expiry. The voucher row is locked, and the redemption's key is the
    voucher, so two tills scanning one code at once redeem it once. One refusal for "no such code" and
    "not valid at this shop", so a till cannot probe codes."""
    require(actor, roles={Role.MERCHANT}, message=_("只有签约商户可以核销消费券。"))
    merchant = _merchant_of(actor)
    invalid = ValidationError({"code": [_("券码无效，或不能在本店使用。")]})
    normal = normalise_voucher_code(code)
    if normal is None:
        raise invalid
    voucher = Voucher.objects.select_for_update().filter(code=normal).first()
    if voucher is None:
        raise invalid
    scheme_region = Scheme.objects.values_list("region_id", flat=True).get(pk=voucher.scheme_id)
    if not region_within(merchant.region_id, scheme_region):
        raise invalid
    if voucher.status == Voucher.Status.REDEEMED:
        raise ValidationError({"code": [_("该消费券已核销，不能重复使用。")]})
    if voucher.status == Voucher.Status.EXPIRED or voucher.expires_on < timezone.localdate():
        raise ValidationError({"code": [_("该消费券已过期。")]})
    partial = VoucherTerms.objects.filter(scheme_id=voucher.scheme_id).values_list("allow_partial", flat=True).first()
    if amount is None:
        amount = voucher.value
    if amount <= 0 or amount > voucher.value:
        raise ValidationError({"amount": [_("核销金额应大于零且不超过面额 %(v)s 元。") % {"v": yuan_str(voucher.value)}]})
    if amount != voucher.value and not partial:
        raise ValidationError({"amount": [_("本项目的消费券须一次全额核销（面额 %(v)s 元）。") % {
            "v": yuan_str(voucher.value)}]})
    redemption = Redemption.objects.create(voucher=voucher, merchant=merchant, region_id=voucher.region_id,
                                           amount=amount, at=timezone.now(), by=actor)
    voucher.redeemed = amount
    voucher.status = Voucher.Status.REDEEMED
    voucher.save(update_fields=["redeemed", "status"])
    audit(actor=actor, action=AuditAction.VOUCHER_REDEEM, obj=redemption, region_code=voucher.region_id,
          before={"status": Voucher.Status.ACTIVE},
          after={"voucher": voucher.pk, "merchant": merchant.code, "amount": amount, "value": voucher.value})
    return redemption


def vouchers_expire(*, today: dt.date | None = None) -> list[VoucherSweep]:
    """The daily job: every voucher past its expiry and not yet swept gives back what was not redeemed
    (all of an unused one, the rest of a partly redeemed one) to its scheme's budget. One transaction per
    scheme; a voucher being redeemed holds its row lock, and the sweep's UPDATE waits for it and counts
    what it redeemed. Running it again finds nothing left."""
    today = today or timezone.localdate()
    sweeps = []
    scheme_ids = list(Voucher.objects.filter(swept_at__isnull=True, expires_on__lt=today)
                      .values_list("scheme_id", flat=True).distinct().order_by("scheme_id"))
    table = Voucher._meta.db_table
    for scheme_id in scheme_ids:
        with transaction.atomic():
            now = timezone.now()
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute(
                        f"UPDATE {table} SET returned = value - redeemed, swept_at = %s,"
                        " status = CASE WHEN status = %s THEN %s ELSE status END"
                        " WHERE scheme_id = %s AND swept_at IS NULL AND expires_on < %s"
                        " RETURNING value - redeemed",
                        [now, Voucher.Status.ACTIVE, Voucher.Status.EXPIRED, scheme_id, today])
                    amounts = [r[0] for r in cur.fetchall()]
                n, amount = len(amounts), sum(amounts)
            else:
                due = Voucher.objects.select_for_update().filter(scheme_id=scheme_id, swept_at__isnull=True,
                                                                 expires_on__lt=today)
                rows = list(due.values("id", "value", "redeemed", "status"))
                for r in rows:
                    Voucher.objects.filter(pk=r["id"]).update(
                        returned=r["value"] - r["redeemed"], swept_at=now,
                        status=Voucher.Status.EXPIRED if r["status"] == Voucher.Status.ACTIVE else r["status"])
                n, amount = len(rows), sum(r["value"] - r["redeemed"] for r in rows)
            if not n:
                continue
            region = Scheme.objects.values_list("region_id", flat=True).get(pk=scheme_id)
            sweep = VoucherSweep.objects.create(scheme_id=scheme_id, region_id=region, on=today, vouchers=n,
                                                amount=amount)
            assistance_services.scheme_return_unspent(scheme_id=scheme_id, amount=amount,
                                                      note=f"voucher sweep #{sweep.pk}")
            audit(actor=None, action=AuditAction.VOUCHERS_EXPIRE, obj=sweep, region_code=region,
                  after={"scheme": scheme_id, "vouchers": n, "returned": amount, "on": today})
            sweeps.append(sweep)
    return sweeps

