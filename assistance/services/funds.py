"""Funds from the centre down (提前下拨): allocations per programme and year, central → province → city →
county, each drawn from the one above under its row lock, and schemes drawing their budget from the
nearest regional allocation at or above their region. A region with no regional allocation for the year
(none above it up to its province) is not limited, so the portal works before the year's funds are
entered."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from portal.models import Region, Role
from portal.money import yuan_str
from portal.permissions import require
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import Allocation


def _chain(code: str | None) -> list[str | None]:
    """The region and every region above it, nearest first, then the centre (None)."""
    out, seen = [], set()
    while code and code not in seen:
        seen.add(code)
        out.append(code)
        code = Region.objects.filter(code=code).values_list("parent_id", flat=True).first()
    return [*out, None]


def allocation_above(*, programme: str, year: int, region: str | None) -> Allocation | None:
    """The nearest allocation strictly above `region` (the centre's for a province)."""
    for code in _chain(region)[1:] if region else []:
        found = Allocation.objects.filter(programme=programme, year=year, region_id=code).first()
        if found is not None:
            return found
    return None


def allocation_for(*, programme: str, year: int, region: str) -> Allocation | None:
    """The nearest regional allocation at or above `region`, or None (the region is not limited). A scheme
    never draws on the central total directly: the centre allocates to provinces."""
    for code in _chain(region)[:-1]:
        found = Allocation.objects.filter(programme=programme, year=year, region_id=code).first()
        if found is not None:
            return found
    return None


def _draw(allocation: Allocation, amount: int, what: str) -> Allocation:
    locked = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if locked.committed + amount > locked.amount:
        raise ValidationError({"amount" if what == "allocation" else "budget": [
            _("超出%(name)s可用资金：下拨 %(total)s 元，已分配 %(used)s 元，本次 %(this)s 元。") % {
                "name": str(locked), "total": yuan_str(locked.amount), "used": yuan_str(locked.committed),
                "this": yuan_str(amount)}]})
    Allocation.objects.filter(pk=locked.pk).update(committed=F("committed") + amount)
    return locked


@transaction.atomic
def allocation_create(*, year: int, region: str | None, amount: int, actor,
                      programme: str = Allocation.Programme.RELIEF) -> Allocation:
    """Allocate funds to `region` from the allocation above it: the central total (region None) and the
    centre's allocations to provinces by an admin; below that by an approver of the level above (a
    province's approver allocates to its cities)."""
    parent_region = Region.objects.filter(code=region).values_list("parent_id", flat=True).first() if region else None
    if parent_region is None:  # the centre's total and the centre's allocations to provinces
        require(actor, roles={Role.ADMIN}, message=_("中央资金及其向省级的下拨由系统管理员登记。"))
    else:  # a level's approver passes funds down to the regions below it
        require(actor, roles={Role.APPROVER}, region=parent_region, message=_("只能由上级区域的审批人员下拨资金。"))
    errors = {}
    if programme not in Allocation.Programme.values:
        errors["programme"] = [_("资金项目无效。")]
    if not 2000 <= int(year) <= 2100:
        errors["year"] = [_("年度无效。")]
    if amount <= 0:
        errors["amount"] = [_("下拨金额必须大于零。")]
    if region is not None and not Region.objects.filter(code=region).exists():
        errors["region"] = [_("未知的行政区划代码。")]
    if errors:
        raise ValidationError(errors)
    if Allocation.objects.filter(programme=programme, year=year, region_id=region).exists():
        raise ValidationError({"region": [_("该区域本年度已有此项资金，请勿重复下拨。")]})
    parent = None
    if region is not None:
        parent = allocation_above(programme=programme, year=year, region=region)
        if parent is None:
            raise ValidationError({"region": [_("上级尚未下拨该项资金。")]})
        _draw(parent, amount, "allocation")
    allocation = Allocation.objects.create(programme=programme, year=year, region_id=region, parent=parent,
                                           amount=amount, created_by=actor)
    audit(actor=actor, action=AuditAction.ALLOCATION_CREATE, obj=allocation, region_code=region or "",
          after={"programme": programme, "year": year, "amount": amount, "parent": parent.pk if parent else None})
    return allocation


def scheme_draw(*, region: str, year: int, budget: int) -> Allocation | None:
    """Inside scheme_create's transaction: take the scheme's budget from the nearest allocation (400 when it
    would exceed it). None when the region has no allocation for the year."""
    allocation = allocation_for(programme=Allocation.Programme.RELIEF, year=year, region=region)
    if allocation is None:
        return None
    return _draw(allocation, budget, "scheme")
