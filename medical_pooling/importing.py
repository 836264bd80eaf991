"""CSV / XLSX import of insured persons (officers). All rows are checked first; one bad row and nothing
is saved (the answer lists every bad line). Rows go through `insured_create`, so each is audited and
gets its opening ledger row — fine for thousands of rows; a province-wide load would use COPY.
An officer imports only rows of their own region: a row outside it refuses the whole file (403)
before anything is written."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal import idnumber
from portal.money import to_fen
from portal.permissions import require
from portal.roles import Role
from portal.tabular import read_table

from . import services
from .models import Insured

HEADERS = {
    "id_number": "id_number", "身份证号码": "id_number", "身份证号": "id_number",
    "name": "name", "姓名": "name",
    "scheme": "scheme", "险种": "scheme", "参保险种": "scheme",
    "region": "region", "统筹地区": "region", "统筹地区代码": "region",
    "balance": "balance", "余额": "balance", "个人账户余额": "balance",
}
SCHEMES = {"employee": "employee", "职工": "employee", "职工医保": "employee",
           "resident": "resident", "居民": "resident", "城乡居民医保": "resident"}
MAX_ROWS = 20000


def read_rows(uploaded) -> list[dict]:
    try:
        # streams an XLSX and stops reading as soon as the row limit is passed
        values = read_table(uploaded.read(), getattr(uploaded, "name", "") or "", max_rows=MAX_ROWS)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    if not values:
        raise ValidationError({"file": [_("文件为空。")]})
    keys = [HEADERS.get(h.strip().lower() if h.isascii() else h.strip()) for h in values[0]]
    if not {"id_number", "name", "scheme", "region"} <= set(keys):
        raise ValidationError({"file": [_("表头须包含：身份证号码、姓名、参保险种、统筹地区代码（可选：个人账户余额）。")]})
    rows = [{k: v for k, v in zip(keys, row, strict=False) if k} for row in values[1:] if any(row)]
    return rows


@transaction.atomic
def insured_import(*, actor, rows: list[dict]) -> int:
    require(actor, roles={Role.INSURANCE_OFFICER}, message=_("您无权管理该统筹地区的参保人。"))
    errors, clean, seen = [], [], set()
    existing = set(Insured.objects.filter(person__id_number__in=[r.get("id_number", "").upper() for r in rows])
                   .values_list("person__id_number", flat=True))
    for line, row in enumerate(rows, start=2):
        try:
            number = idnumber.validate_id_number(row.get("id_number", ""))
            scheme = SCHEMES.get(row.get("scheme", "").strip())
            if scheme is None:
                raise ValidationError(_("参保险种须为 employee/resident（职工/居民）。"))
            if number in seen or number in existing:
                raise ValidationError(_("此人已有参保登记或在文件中重复。"))
            balance = to_fen(row.get("balance") or "0")
            if scheme == "resident" and balance:
                raise ValidationError(_("城乡居民医保没有个人账户，不能设置余额。"))
            region = row.get("region", "").strip()
            require(actor, region=region, message=_("第 %(line)s 行：您无权管理该统筹地区的参保人。") % {"line": line})
            seen.add(number)
            clean.append({"id_number": number, "name": row.get("name", "").strip(), "scheme": scheme,
                          "region": region, "balance": balance})
        except ValidationError as exc:
            errors.append(_("第 %(line)s 行：%(msg)s") % {"line": line, "msg": "；".join(exc.messages)})
    if not errors:
        for line, data in enumerate(clean, start=2):
            try:
                with transaction.atomic():
                    services.insured_create(actor=actor, **data)
            except ValidationError as exc:
                errors.append(_("第 %(line)s 行：%(msg)s") % {"line": line, "msg": "；".join(exc.messages)})
    if errors:
        raise ValidationError({"file": errors[:200]})
    return len(clean)
