"""Standards and regional rules as data (低保标准, 特困供养标准, means-test and payroll rules).

The lookup walks the region tree: a county's households take the province's rate, then the city's,
then the county's, each level in force on the date combining with the one above by its `combine`:
`max` (the higher of the two: a city raising a provincial rate) or `top_up` (added on top). A level with
no rate in force leaves the rate above unchanged. Rules (`AssistanceRule`) are not combined: the
nearest level that has one in force wins.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from portal.models import Region
from portal.permissions import Role, require
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import Area, AssistanceRule, CareLevel, Standard, StandardKind


def region_chain(code: str) -> list[str]:
    """The codes from the province down to `code` (province, city, county), without duplicates."""
    chain = [code[:2] + "0000", code[:4] + "00", code]
    out: list[str] = []
    for c in chain:
        if c not in out:
            out.append(c)
    return out


def standard_in_force(*, region: str, area: str, kind: str, on: dt.date, care_level: str = "") -> Standard | None:
    """The rate per person per month in force for (region, area, kind, care level) on `on`, as an unsaved
    Standard whose `amount` is the combined rate and whose `sources` lists the rows used; None when no level
    has one."""
    rows = list(Standard.objects.filter(
        region_id__in=region_chain(region), area=area, kind=kind, care_level=care_level or "",
        effective_from__lte=on).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("region_id", "-effective_from"))
    found = None
    sources = []
    for code in region_chain(region):
        level = next((r for r in rows if r.region_id == code), None)  # newest first per region
        if level is None:
            continue
        sources.append({"id": level.pk, "region": code, "amount": level.amount, "combine": level.combine,
                        "effective_from": level.effective_from.isoformat()})
        if found is None:
            found = level.amount
        elif level.combine == Standard.Combine.TOP_UP:
            found += level.amount
        else:
            found = max(found, level.amount)
    if found is None:
        return None
    result = Standard(region_id=region, area=area, kind=kind, care_level=care_level or "", amount=found,
                      effective_from=on)
    result.sources = sources
    return result


def rule_in_force(*, region: str, on: dt.date) -> AssistanceRule | None:
    """The nearest region's rule in force on `on` (county, then city, then province)."""
    for code in reversed(region_chain(region)):
        rule = AssistanceRule.objects.filter(region_id=code, effective_from__lte=on).order_by("-effective_from").first()
        if rule is not None:
            return rule
    return None


@transaction.atomic
def standard_set(*, region: str, area: str, kind: str, amount: int, effective_from: dt.date, actor,
                 care_level: str = "", combine: str = Standard.Combine.MAX) -> Standard:
    """A new rate from `effective_from`: the one it replaces (same region, area, kind, care level) ends the
    day before. Household enrolments in the region are re-computed from `effective_from`
    (`household_amounts_recompute`), so a raise made later in the year is back-paid by the next payroll."""
    require(actor, roles={Role.APPROVER}, region=region, message=_("只有审批人员可以调整救助标准。"))
    errors = {}
    if not Region.objects.filter(code=region).exists():
        errors["region"] = [_("未知的行政区划代码。")]
    if area not in Area.values:
        errors["area"] = [_("请选择城市或农村。")]
    if kind not in StandardKind.values:
        errors["kind"] = [_("标准类别无效。")]
    if (care_level or "") not in CareLevel.values or (kind == StandardKind.TEKUN_CARE) != bool(care_level):
        errors["care_level"] = [_("照料护理标准须选择自理能力，其他标准不选。")]
    if amount is None or amount < 0:
        errors["amount"] = [_("金额不能为负数。")]
    if combine not in Standard.Combine.values:
        errors["combine"] = [_("与上级标准的关系无效。")]
    if errors:
        raise ValidationError(errors)
    key = {"region_id": region, "area": area, "kind": kind, "care_level": care_level or ""}
    if Standard.objects.filter(**key, effective_from__gte=effective_from).exists():
        raise ValidationError({"effective_from": [_("该日期或之后已有标准，请先核对标准历史。")]})
    Standard.objects.filter(**key, effective_from__lt=effective_from).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=effective_from)).update(
        effective_to=effective_from - dt.timedelta(days=1))
    standard = Standard.objects.create(**key, amount=amount, combine=combine, effective_from=effective_from,
                                       created_by=actor)
    audit(actor=actor, action=AuditAction.STANDARD_SET, obj=standard, region_code=region,
          after={"area": area, "kind": kind, "care_level": care_level, "amount": amount, "combine": combine,
                 "effective_from": effective_from})
    from .household import household_amounts_recompute  # the enrolments follow the standard

    household_amounts_recompute(region=region, effective_from=effective_from, actor=actor)
    return standard
