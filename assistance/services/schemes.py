"""Schemes (救助项目): who is paid how much, from which budget, optionally within a campaign."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.permissions import CIVIL_STAFF, require
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import Campaign, Category, Scheme
from .funds import scheme_draw


@transaction.atomic
def scheme_create(*, name: str, kind: str, region: str, unit: str, categories: list[str], urban_amount: int,
                  rural_amount: int, budget: int, deadline: dt.date, actor, months: int = 1,
                  payment_form: str = Scheme.PaymentForm.BANK, campaign: Campaign | None = None,
                  campaign_name: str = "", first_month: str = "") -> Scheme:
    """A scheme, optionally in a campaign given as an object or by name (made if new, only when the
    scheme itself is valid: a refused scheme leaves no campaign behind). Its budget is drawn from the
    region's allocation for the deadline's year, when there is one (`funds`)."""
    require(actor, roles=CIVIL_STAFF, region=region)
    errors = {}
    if kind not in Scheme.Kind.values:
        errors["kind"] = [_("项目类型无效。")]
    if unit not in Scheme.Unit.values:
        errors["unit"] = [_("发放单位无效。")]
    cats = list(dict.fromkeys(categories or []))
    if not cats or any(c not in Category.values for c in cats):
        errors["categories"] = [_("请选择至少一个有效的救助类别。")]
    if months is None or months < 1 or months > 12:
        errors["months"] = [_("月数应在1到12之间。")]
    if min(urban_amount, rural_amount, budget) < 0:
        errors["budget"] = [_("金额不能为负数。")]
    if payment_form not in Scheme.PaymentForm.values:
        errors["payment_form"] = [_("发放形式无效。")]
    if first_month and (kind != Scheme.Kind.ADVANCE or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", first_month)):
        errors["first_month"] = [_("起始月份只用于提前发放，格式为“YYYY-MM”。")]
    if kind == Scheme.Kind.MONTHLY:
        errors["kind"] = [_("月度发放项目由系统按省自动设立。")]
    if not (name or "").strip():
        errors["name"] = [_("请填写项目名称。")]
    if errors:
        raise ValidationError(errors)
    allocation = scheme_draw(region=region, year=deadline.year, budget=budget)  # 400 beyond the funds
    if campaign is None and (campaign_name or "").strip():
        campaign = Campaign.objects.get_or_create(name=campaign_name.strip())[0]
    scheme = Scheme.objects.create(
        name=name.strip(), kind=kind, region_id=region, unit=unit, categories=cats, urban_amount=urban_amount,
        rural_amount=rural_amount, months=months, budget=budget, deadline=deadline, payment_form=payment_form,
        campaign=campaign, created_by=actor, first_month=first_month or "", allocation=allocation,
    )
    audit(actor=actor, action=AuditAction.SCHEME_CREATE, obj=scheme, region_code=region,
          after={"kind": kind, "unit": unit, "categories": cats, "urban_amount": urban_amount,
                 "rural_amount": rural_amount, "months": months, "budget": budget,
                 "allocation": allocation.pk if allocation else None})
    return scheme
