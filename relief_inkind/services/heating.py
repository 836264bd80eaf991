"""Heating-fee waivers (减免取暖费用): heating companies as counterparties, each household's customer number,
the waiver list a batch builds for each company (the channel's step), its export to the company (CSV/XLSX),
the company's confirmation of the reduced bills (its user's page or a returned file imported by staff), and
settlement with the company by statement. Confirmation is all or nothing: one bad row refuses the file."""

import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import services as assistance_services
from assistance.models import Batch, Household, Payment
from portal.models import Region
from portal.money import to_fen, yuan_str
from portal.permissions import CIVIL_STAFF, Role, require
from portal.services import audit
from portal.tabular import csv_writer, neutralise, read_table

from ..audit_actions import AuditAction
from ..models import HeatingAccount, HeatingCompany, Statement, WaiverLine
from ._shared import ORG_CODE_RE, statement_number

CHANNEL = "fee_waiver"
EXPORT_HEADER = ["明细编号", "供热用户号", "户主姓名", "地址", "减免金额（元）"]
CONFIRM_HEADER = ["明细编号", "供热用户号", "减免金额（元）", "减免后账单号"]
MAX_IMPORT_ROWS = 20000


@transaction.atomic
def company_register(*, code: str, name: str, region: str, actor, contact: str = "", phone: str = "") -> HeatingCompany:
    require(actor, roles=CIVIL_STAFF, region=region)
    code = (code or "").strip().upper()
    errors = {}
    if not ORG_CODE_RE.fullmatch(code):
        errors["code"] = [_("单位编码应为6至20位大写字母或数字。")]
    elif HeatingCompany.objects.filter(code=code).exists():
        errors["code"] = [_("该单位编码已登记。")]
    if not (name or "").strip():
        errors["name"] = [_("请填写单位名称。")]
    if not Region.objects.filter(code=region).exists():
        errors["region"] = [_("未知的行政区划代码。")]
    if errors:
        raise ValidationError(errors)
    company = HeatingCompany.objects.create(code=code, name=name.strip(), region_id=region,
                                            contact=(contact or "").strip(), phone=(phone or "").strip())
    audit(actor=actor, action=AuditAction.COMPANY_REGISTER, obj=company, region_code=region,
          after={"code": code, "name": company.name})
    return company


@transaction.atomic
def heating_account_set(*, household: Household, company: HeatingCompany, customer_number: str, actor) -> HeatingAccount:
    """Record which company heats a household and its customer number there."""
    require(actor, roles=CIVIL_STAFF, region=household.region_id)
    number = (customer_number or "").strip()
    if not number or len(number) > 32:
        raise ValidationError({"customer_number": [_("请填写供热用户号（最多32位）。")]})
    clash = HeatingAccount.objects.filter(company=company, customer_number=number).exclude(household=household)
    if clash.exists():
        raise ValidationError({"customer_number": [_("该供热单位的此用户号已属于另一户。")]})
    account, _created = HeatingAccount.objects.update_or_create(
        household=household, defaults={"company": company, "customer_number": number})
    audit(actor=actor, action=AuditAction.HEATING_ACCOUNT_SET, obj=account, region_code=household.region_id,
          after={"company": company.code, "customer_number": number})
    return account


def waiver_list_add(*, batch: Batch, rows: list[dict]) -> list[tuple[int, str, str, str]]:
    """The fee-waiver channel's step for one chunk of a batch's pending payments: each household with a
    heating account goes onto its company's waiver list (`sent`, waiting for the company's confirmation);
    one without is answered `failed` (re-issued once its account is recorded)."""
    if not rows:
        return []
    info = {p["id"]: p for p in Payment.objects.filter(id__in=[r["id"] for r in rows]).values(
        "id", "household_id", "region_id", "amount", "household__address")}
    accounts = {a.household_id: a for a in HeatingAccount.objects.filter(
        household_id__in=[p["household_id"] for p in info.values()])}
    existing = set(WaiverLine.objects.filter(payment_id__in=list(info)).values_list("payment_id", flat=True))
    lines, results = [], []
    for r in rows:
        p = info[r["id"]]
        account = accounts.get(p["household_id"])
        if account is None or p["amount"] <= 0:
            results.append((r["id"], "failed", "", _("未登记供热单位及用户号")))
            continue
        if r["id"] not in existing:
            lines.append(WaiverLine(scheme_id=batch.scheme_id, batch_id=batch.pk, payment_id=r["id"],
                                    household_id=p["household_id"], company_id=account.company_id,
                                    customer_number=account.customer_number, region_id=p["region_id"],
                                    name=r.get("payee_name") or r["name"], amount=p["amount"]))
        results.append((r["id"], "sent", f"WVR-{batch.pk}-{r['id']}", ""))
    WaiverLine.objects.bulk_create(lines, batch_size=5000)
    audit(actor=None, action=AuditAction.WAIVER_LIST, obj=batch, region_code=batch.region_id,
          after={"lines": len(lines), "failed": sum(1 for r in results if r[1] == "failed")})
    return results


def waiver_export(*, company: HeatingCompany, actor, fmt: str = "csv") -> tuple[bytes, str]:
    """The company's list of waivers still to confirm, as CSV or XLSX (names and customer numbers: the
    personal data the company needs to reduce the bills). Marks the lines exported; audited."""
    require(actor, roles=CIVIL_STAFF, region=company.region_id)
    if fmt not in ("csv", "xlsx"):
        raise ValidationError({"fmt": [_("导出格式只能是 CSV 或 XLSX。")]})
    with transaction.atomic():
        lines = list(WaiverLine.objects.select_for_update().filter(company=company, status=WaiverLine.Status.SENT)
                     .select_related("household").order_by("id"))
        rows = [[w.pk, w.customer_number, w.name, w.household.address, yuan_str(w.amount)] for w in lines]
        WaiverLine.objects.filter(pk__in=[w.pk for w in lines], exported_at__isnull=True).update(
            exported_at=timezone.now())
        audit(actor=actor, action=AuditAction.WAIVER_EXPORT, obj=company, region_code=company.region_id,
              after={"lines": len(rows), "amount": sum(w.amount for w in lines), "format": fmt})
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "减免清单"
        ws.append(EXPORT_HEADER)
        for row in rows:
            ws.append([neutralise(c) for c in row])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue(), "xlsx"
    text = io.StringIO()
    writer = csv_writer(text)
    writer.writerow(EXPORT_HEADER)
    writer.writerows(rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8"), "csv"


def _company_actor(actor, company: HeatingCompany) -> None:
    """The company's own user, or staff of its region (importing the company's returned file)."""
    if actor is not None and getattr(actor, "role", None) == Role.HEATING_COMPANY and not actor.is_portal_admin:
        if actor.institution_code != company.code:
            raise PermissionDenied(_("只能确认本单位的减免明细。"))
        return
    require(actor, roles=CIVIL_STAFF, region=company.region_id,
            message=_("只有供热单位或其所在区域的民政工作人员可以确认减免。"))


@transaction.atomic
def waiver_confirm(*, company: HeatingCompany, rows: list[dict], actor) -> int:
    """The company confirms reduced bills: rows of {line, customer_number, amount (fen), bill_number}. Every
    row must name a line of this company still waiting, with its customer number and the full amount; any
    bad row refuses them all (ValidationError listing the rows). The payments are then paid (waived)."""
    _company_actor(actor, company)
    if not rows:
        raise ValidationError({"rows": [_("没有要确认的减免明细。")]})
    ids = [r.get("line") for r in rows]
    lines = {w.pk: w for w in WaiverLine.objects.select_for_update().filter(pk__in=[i for i in ids if i])}
    problems, seen = [], set()
    for n, r in enumerate(rows, start=1):
        w = lines.get(r.get("line"))
        if w is None or w.company_id != company.pk:
            problems.append(_("第 %(n)d 行：明细编号不存在或不属于本单位。") % {"n": n})
        elif w.pk in seen:
            problems.append(_("第 %(n)d 行：明细编号重复。") % {"n": n})
        elif w.status != WaiverLine.Status.SENT:
            problems.append(_("第 %(n)d 行：该明细已确认。") % {"n": n})
        elif (r.get("customer_number") or "").strip() != w.customer_number:
            problems.append(_("第 %(n)d 行：供热用户号与明细不符。") % {"n": n})
        elif r.get("amount") != w.amount:
            problems.append(_("第 %(n)d 行：减免金额应为 %(a)s 元。") % {"n": n, "a": yuan_str(w.amount)})
        if w is not None:
            seen.add(w.pk)
    if problems:
        raise ValidationError({"rows": problems[:50]})
    now = timezone.now()
    by_batch: dict[int, list] = {}
    for r in rows:
        w = lines[r["line"]]
        WaiverLine.objects.filter(pk=w.pk).update(status=WaiverLine.Status.CONFIRMED, confirmed_at=now,
                                                  confirmed_by=actor, bill_number=(r.get("bill_number") or "")[:64])
        by_batch.setdefault(w.batch_id, []).append((w.payment_id, "paid", f"WVR-{w.batch_id}-{w.payment_id}", ""))
    for batch_id in sorted(by_batch):
        assistance_services.payments_settle(batch_id=batch_id, channel=CHANNEL, results=by_batch[batch_id])
    audit(actor=actor, action=AuditAction.WAIVER_CONFIRM, obj=company, region_code=company.region_id,
          after={"lines": len(rows), "amount": sum(lines[r["line"]].amount for r in rows)})
    return len(rows)


def waiver_import(*, company: HeatingCompany, data: bytes, filename: str, actor) -> int:
    """The company's returned file (CSV/XLSX: 明细编号, 供热用户号, 减免金额（元）, 减免后账单号) confirmed in one go."""
    _company_actor(actor, company)
    table = read_table(data, filename, max_rows=MAX_IMPORT_ROWS)
    if not table or [c.strip() for c in table[0][:3]] != CONFIRM_HEADER[:3]:
        raise ValidationError({"file": [_("表头应为：%(h)s。") % {"h": "、".join(CONFIRM_HEADER)}]})
    rows, problems = [], []
    for n, cells in enumerate(table[1:], start=1):
        if not any(cells):
            continue
        cells = (cells + [""] * 4)[:4]
        try:
            line = int(cells[0])
            amount = to_fen(cells[2])
        except (ValueError, ValidationError):
            problems.append(_("第 %(n)d 行：明细编号或金额无效。") % {"n": n})
            continue
        rows.append({"line": line, "customer_number": cells[1], "amount": amount, "bill_number": cells[3]})
    if problems:
        raise ValidationError({"file": problems[:50]})
    try:
        return waiver_confirm(company=company, rows=rows, actor=actor)
    except ValidationError as exc:
        raise ValidationError({"file": [m for ms in exc.message_dict.values() for m in ms]}) from None


@transaction.atomic
def heating_statement_create(*, company: HeatingCompany, actor) -> Statement:
    """Every confirmed waiver of `company` not yet on a statement: what the portal owes it."""
    require(actor, roles=CIVIL_STAFF, region=company.region_id)
    company = HeatingCompany.objects.select_for_update().get(pk=company.pk)
    open_rows = WaiverLine.objects.filter(company=company, status=WaiverLine.Status.CONFIRMED, statement__isnull=True)
    totals = open_rows.aggregate(n=Count("id"), amount=Sum("amount"))
    if not totals["n"]:
        raise ValidationError(_("该供热单位没有待结算的已确认减免。"))
    statement = Statement.objects.create(kind=Statement.Kind.HEATING, number=statement_number("GR"), company=company,
                                         region_id=company.region_id, until=timezone.now(), created_by=actor)
    claimed = open_rows.update(statement=statement)
    amount = WaiverLine.objects.filter(statement=statement).aggregate(s=Sum("amount"))["s"] or 0
    statement.count, statement.amount = claimed, amount
    statement.save(update_fields=["count", "amount"])
    audit(actor=actor, action=AuditAction.STATEMENT_CREATE, obj=statement, region_code=statement.region_id,
          after={"kind": statement.kind, "company": company.code, "count": claimed, "amount": amount})
    return statement
