"""The labour brand 亳州养生: its trades as data, its events (forums, expos, job fairs …) and the standard's
pilot regions. Each write passes the training staff's gate for the region it is located in."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import Region
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import BrandEvent, BrandTrade, PilotRegion, Standard
from .common import require_staff

MAX_COUNT = 10_000_000


def _region(code: str) -> Region:
    region = Region.objects.filter(code=code or "").first()
    if region is None:
        raise ValidationError({"region": [_("未知的行政区划代码。")]})
    return region


def _standard(code: str | None) -> Standard | None:
    if not code:
        return None
    standard = Standard.objects.filter(code=code).first()
    if standard is None:
        raise ValidationError({"standard": [_("未知的职业标准编码。")]})
    return standard


def _text(value, field: str, label: str, *, required: bool = True, max_length: int = 128) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [_("请填写%(label)s。") % {"label": label}]})
    if len(value) > max_length:
        raise ValidationError({field: [_("%(label)s最多 %(n)d 个字。") % {"label": label, "n": max_length}]})
    return value


@transaction.atomic
def brand_trade_save(*, trade: BrandTrade | None = None, code: str, name: str, region_code: str,
                     occupation: str = "", standard_code: str | None = None, standard_note: str = "",
                     description: str = "", position: int = 0, actor) -> BrandTrade:
    """Create (trade=None) or edit a trade of the brand. A trade moved to another region needs the gate of both."""
    if trade is not None:
        require_staff(actor, trade.region_id, message=_("该板块不在您的管辖范围内。"))
    require_staff(actor, region_code, message=_("该地区不在您的管辖范围内。"))
    region = _region(region_code)
    code = (code or "").strip().lower()
    if not code or not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
        raise ValidationError({"code": [_("板块代码只能由小写字母、数字、下划线组成，例如 cuisine。")]})
    if BrandTrade.objects.filter(code=code).exclude(pk=getattr(trade, "pk", None)).exists():
        raise ValidationError({"code": [_("该板块代码已存在。")]})
    fields = {
        "code": code, "name": _text(name, "name", _("板块名称"), max_length=64), "region": region,
        "occupation": _text(occupation, "occupation", _("对应职业"), required=False, max_length=64),
        "standard": _standard(standard_code),
        "standard_note": _text(standard_note, "standard_note", _("标准说明"), required=False, max_length=255),
        "description": _text(description, "description", _("简介"), required=False, max_length=255),
        "position": int(position or 0),
    }
    if fields["standard"] is None and not fields["standard_note"]:
        raise ValidationError({"standard_note": [_("没有国家职业标准时，请写明依据（如“暂无国家职业标准”）。")]})
    before = None
    if trade is None:
        trade = BrandTrade(updated_by=actor)
    else:
        trade = BrandTrade.objects.select_for_update().get(pk=trade.pk)
        before = {"code": trade.code, "name": trade.name, "standard": trade.standard_id and trade.standard.code}
    for key, value in fields.items():
        setattr(trade, key, value)
    trade.updated_by = actor
    trade.save()
    audit(actor=actor, action=AuditAction.BRAND_TRADE_SAVE, obj=trade, region_code=region.code, before=before,
          after={"code": code, "name": fields["name"], "standard": standard_code or ""})
    return trade


def _count(value, field: str, label: str) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        raise ValidationError({field: [_("%(label)s必须是整数。") % {"label": label}]}) from None
    if number < 0 or number > MAX_COUNT:
        raise ValidationError({field: [_("%(label)s应在 0 到一千万之间。") % {"label": label}]})
    return number


@transaction.atomic
def brand_event_save(*, event: BrandEvent | None = None, kind: str, name: str, held_on: dt.date, place: str,
                     region_code: str, trades: list[str] = (), participants: int = 0, deals_signed: int = 0,
                     deal_amount: int = 0, jobs_offered: int = 0, note: str = "", today: dt.date | None = None,
                     actor) -> BrandEvent:
    """Record (event=None) or correct a brand event. Counts are whole numbers, the deal amount integer fen;
    an event is recorded once it has been held (not in the future)."""
    if event is not None:
        require_staff(actor, event.region_id, message=_("该活动不在您的管辖范围内。"))
    require_staff(actor, region_code, message=_("该地区不在您的管辖范围内。"))
    region = _region(region_code)
    errors = {}
    if kind not in BrandEvent.Kind.values:
        errors["kind"] = [_("请选择活动类型。")]
    today = today or dt.date.today()
    if not isinstance(held_on, dt.date):
        errors["held_on"] = [_("请填写举办日期。")]
    elif held_on > today:
        errors["held_on"] = [_("举办日期不能晚于今天：活动举办后再登记。")]
    elif held_on.year < 2000:
        errors["held_on"] = [_("举办日期不能早于 2000 年。")]
    if errors:
        raise ValidationError(errors)
    chosen = list(BrandTrade.objects.filter(code__in=list(trades or [])))
    if len(chosen) != len(set(trades or [])):
        raise ValidationError({"trades": [_("所选板块不存在。")]})
    if deal_amount is None or deal_amount < 0:
        raise ValidationError({"deal_amount": [_("签约金额不能为负数。")]})
    fields = {
        "kind": kind, "name": _text(name, "name", _("活动名称")), "held_on": held_on,
        "place": _text(place, "place", _("举办地点")), "region": region,
        "participants": _count(participants, "participants", _("参加人数")),
        "deals_signed": _count(deals_signed, "deals_signed", _("签约项目数")),
        "deal_amount": deal_amount, "jobs_offered": _count(jobs_offered, "jobs_offered", _("提供岗位数")),
        "note": _text(note, "note", _("备注"), required=False, max_length=255),
    }
    if fields["deal_amount"] and not fields["deals_signed"]:
        raise ValidationError({"deals_signed": [_("有签约金额时，请填写签约项目数。")]})
    before = None
    if event is None:
        event = BrandEvent()
    else:
        event = BrandEvent.objects.select_for_update().get(pk=event.pk)
        before = {"name": event.name, "held_on": event.held_on.isoformat(), "participants": event.participants,
                  "deals_signed": event.deals_signed, "deal_amount": event.deal_amount,
                  "jobs_offered": event.jobs_offered}
    for key, value in fields.items():
        setattr(event, key, value)
    event.updated_by = actor
    event.save()
    event.trades.set(chosen)
    audit(actor=actor, action=AuditAction.BRAND_EVENT_SAVE, obj=event, region_code=region.code, before=before,
          after={"kind": kind, "name": fields["name"], "held_on": held_on.isoformat(),
                 "participants": fields["participants"], "deals_signed": fields["deals_signed"],
                 "deal_amount": deal_amount, "jobs_offered": fields["jobs_offered"]})
    return event


@transaction.atomic
def pilot_region_save(*, pilot: PilotRegion | None = None, region_code: str, standard_code: str, approved_by: str,
                      approved_on: dt.date | None = None, note: str = "", actor) -> PilotRegion:
    """Record (pilot=None) or correct a standard pilot region (标准先行试点地区)."""
    if pilot is not None:
        require_staff(actor, pilot.region_id, message=_("该试点地区不在您的管辖范围内。"))
    require_staff(actor, region_code, message=_("该地区不在您的管辖范围内。"))
    region = _region(region_code)
    standard = _standard(standard_code)
    if standard is None:
        raise ValidationError({"standard": [_("请选择职业标准。")]})
    if approved_on is not None and approved_on > dt.date.today():
        raise ValidationError({"approved_on": [_("批准日期不能晚于今天。")]})
    if (PilotRegion.objects.filter(region=region, standard=standard)
            .exclude(pk=getattr(pilot, "pk", None)).exists()):
        raise ValidationError({"region": [_("该地区已是该标准的先行试点地区。")]})
    pilot = PilotRegion() if pilot is None else PilotRegion.objects.select_for_update().get(pk=pilot.pk)
    pilot.region, pilot.standard = region, standard
    pilot.approved_by = _text(approved_by, "approved_by", _("批准部门"), max_length=64)
    pilot.approved_on, pilot.note = approved_on, _text(note, "note", _("说明"), required=False, max_length=255)
    pilot.updated_by = actor
    pilot.save()
    audit(actor=actor, action=AuditAction.PILOT_REGION_SAVE, obj=pilot, region_code=region.code,
          after={"region": region.code, "standard": standard.code, "approved_by": pilot.approved_by})
    return pilot
