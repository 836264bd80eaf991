"""Roster import (CSV or XLSX): households with members and enrolments, with a per-row error report.

Columns (first row is the header, Chinese names):
    户编号, 区域代码, 城乡, 住址, 银行账号, 姓名, 身份证号码, 与户主关系, 救助类别, 月救助金额, 起始日期
Rows with the same 户编号 form one household (its first row gives region, area, address, bank account).
救助类别 may be blank (a member without an enrolment).

A file with any error saves nothing, unless the caseworker asks to import only the valid households
(a household with any bad row is skipped as a whole). Writes go through services.household_create and
services.enrolment_create, in one transaction, so the registry rules, the permission gate and the audit
rows are the usual ones; a region outside the caseworker's is reported as a row error, not refused.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal import idnumber, pii
from portal.models import Region
from portal.money import to_fen
from portal.permissions import Role, require
from portal.scoping import region_in_scope
from portal.tabular import read_table

from . import services
from .models import Area, Category, Member

HEADERS = {
    "户编号": "key", "区域代码": "region", "城乡": "area", "住址": "address", "银行账号": "bank_account",
    "姓名": "name", "身份证号码": "id_number", "与户主关系": "relation", "救助类别": "category",
    "月救助金额": "monthly_amount", "起始日期": "start",
}
REQUIRED = ["key", "region", "area", "name", "id_number", "relation"]
MAX_ROWS = 20000


def _lookup(choices) -> dict:
    out = {}
    for value, label in choices:
        out[str(value).lower()] = value
        out[str(label)] = value
    return out


AREAS = {**_lookup(Area.choices), "城镇": Area.URBAN, "城": Area.URBAN, "乡": Area.RURAL}
RELATIONS = _lookup(Member.Relation.choices)
CATEGORIES = {**_lookup(Category.choices), "低保": Category.DIBAO, "特困": Category.TEKUN}


@dataclass
class RosterResult:
    rows: int = 0
    households: int = 0
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    saved: bool = False


def read_rows(data: bytes, filename: str) -> list[dict]:
    """File -> [{field: text, "_line": n}] (n = the row number people see in their spreadsheet)."""
    raw = read_table(data, filename, max_rows=MAX_ROWS)  # streams; stops reading past the limit
    if not raw:
        raise ValidationError(_("文件为空。"))
    header = [HEADERS.get(h.strip()) for h in raw[0]]
    missing = [name for name, key in HEADERS.items() if key in REQUIRED and key not in header]
    if missing:
        raise ValidationError(_("缺少列：%(cols)s。") % {"cols": "、".join(missing)})
    rows = []
    for n, rec in enumerate(raw[1:], start=2):
        if not any((c or "").strip() for c in rec):
            continue
        row = {key: (rec[i].strip() if i < len(rec) and rec[i] else "") for i, key in enumerate(header) if key}
        row["_line"] = n
        rows.append(row)
    return rows


def _check(rows: list[dict], actor) -> tuple[dict[str, dict], list[tuple[int, str]]]:
    errors: list[tuple[int, str]] = []
    known_regions = set(Region.objects.filter(code__in={r.get("region", "") for r in rows}).values_list("code", flat=True))
    numbers = {}
    for r in rows:
        try:
            numbers[r["_line"]] = idnumber.validate_id_number(r.get("id_number", ""))
        except ValidationError as exc:
            errors.append((r["_line"], exc.messages[0]))
    taken = {t.hmac: region for t, region in  # stored values: compared by HMAC (portal.pii)
             Member.objects.filter(person__id_number__in=set(numbers.values()), left_on__isnull=True)
             .values_list("person__id_number", "household__region_id")}
    seen: dict[str, int] = {}
    households: dict[str, dict] = {}
    for r in rows:
        line = r["_line"]
        row_errors = []
        for key in REQUIRED:
            if not r.get(key):
                label = next(name for name, k in HEADERS.items() if k == key)
                row_errors.append(_("“%(col)s”不能为空") % {"col": label})
        key = r.get("key", "")
        hh = households.setdefault(key, {"lines": [], "members": [], "enrol": [], "bad": False,
                                         "region": r.get("region"), "area": AREAS.get(r.get("area", "").lower(),
                                                                                      AREAS.get(r.get("area", ""))),
                                         "address": r.get("address", ""), "bank_account": r.get("bank_account", "")})
        hh["lines"].append(line)
        if r.get("region") and r["region"] != hh["region"]:
            row_errors.append(_("同一户的区域代码不一致"))
        if r.get("region") and r["region"] not in known_regions:
            row_errors.append(_("未知的行政区划代码"))
        elif r.get("region") and not region_in_scope(actor, r["region"]):
            row_errors.append(_("区域不在您的管辖范围内"))
        if r.get("area") and hh["area"] is None:
            row_errors.append(_("城乡应为“城市”或“农村”"))
        if r.get("bank_account") and not r["bank_account"].replace(" ", "").isdigit():
            row_errors.append(_("银行账号只能包含数字"))
        if not hh["address"]:
            row_errors.append(_("“住址”不能为空"))
        relation = RELATIONS.get(r.get("relation", "").lower(), RELATIONS.get(r.get("relation", "")))
        if r.get("relation") and relation is None:
            row_errors.append(_("与户主关系无效"))
        number = numbers.get(line)
        if number:
            if number in seen:
                row_errors.append(_("与第%(n)d行身份证号码重复") % {"n": seen[number]})
            seen.setdefault(number, line)
            held_in = taken.get(pii.digest(pii.ID, number))
            if held_in is not None:  # outside the actor's regions: the one answer that says nothing more
                row_errors.append(_("该人员已是另一家庭的成员") if region_in_scope(actor, held_in)
                                  else _("该身份证号码暂不能在本地登记，请核对号码和姓名"))
        category = None
        if r.get("category"):
            category = CATEGORIES.get(r["category"].lower(), CATEGORIES.get(r["category"]))
            if category is None:
                row_errors.append(_("救助类别无效"))
        amount, start = 0, dt.date.today()
        if category:
            try:
                amount = to_fen(r.get("monthly_amount") or "0")
            except ValidationError as exc:
                row_errors.append(exc.messages[0])
            if r.get("start"):
                try:
                    start = dt.date.fromisoformat(r["start"][:10])
                except ValueError:
                    row_errors.append(_("起始日期格式应为 YYYY-MM-DD"))
        if row_errors:
            errors.extend((line, m) for m in row_errors)
            hh["bad"] = True
            continue
        if number is None:
            hh["bad"] = True
            continue
        hh["members"].append({"name": r["name"], "id_number": number, "relation": relation})
        if category:
            hh["enrol"].append({"id_number": number, "category": category, "monthly_amount": amount, "start": start})
    for key, hh in households.items():
        if sum(1 for m in hh["members"] if m["relation"] == Member.Relation.HEAD) > 1:
            errors.append((hh["lines"][0], _("户编号 %(k)s 有多名户主") % {"k": key}))
            hh["bad"] = True
    errors.sort()
    return households, errors


def roster_import(*, data: bytes, filename: str, actor, only_valid: bool = False) -> RosterResult:
    """Check every row; save nothing when there are errors unless `only_valid`."""
    require(actor, roles={Role.CASEWORKER}, message=_("只有经办人员可以导入花名册。"))
    rows = read_rows(data, filename)
    households, errors = _check(rows, actor)
    result = RosterResult(rows=len(rows), households=len(households), errors=errors)
    if errors and not only_valid:
        return result
    with transaction.atomic():
        for hh in households.values():
            if hh["bad"] or not hh["members"]:
                continue
            services.household_create(region=hh["region"], area=hh["area"], address=hh["address"],
                                      bank_account=hh["bank_account"], members=hh["members"], actor=actor)
            for enrol in hh["enrol"]:
                services.enrolment_create(actor=actor, **enrol)
            result.created += 1
    result.saved = True
    return result
