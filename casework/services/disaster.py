"""与受灾人员救助政策的衔接: disaster events, the households affected (by hand or a list import), living
aid in the emergency and the transition period (paid as temporary aid, the same payment path), and the
review when the transition period ends: 低保 / 特困 / temporary aid / no need, so nobody falls between."""

import csv
import datetime as dt
import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.permissions import require
from portal.roles import CIVIL_STAFF
from portal.scoping import region_in_scope
from portal.services import audit

from .. import selectors
from ..audit_actions import AuditAction
from ..models import AffectedHousehold, Application, DisasterEvent, TemporaryAid
from ._shared import CASEWORKERS, current_household, known_region, person_for
from .temporary_aid import aid_record

MAX_IMPORT_ROWS = 5000
DAMAGE_LABELS = {str(label): value for value, label in AffectedHousehold.Damage.choices}


@transaction.atomic
def disaster_event_create(*, region: str, kind: str, name: str, area: str, occurred_on: dt.date,
                          emergency_ends_on: dt.date, transition_ends_on: dt.date, actor) -> DisasterEvent:
    require(actor, roles=CIVIL_STAFF)
    require(actor, region=known_region(region))
    if kind not in DisasterEvent.Kind.values:
        raise ValidationError({"kind": [_("灾种无效。")]})
    if not (name or "").strip():
        raise ValidationError({"name": [_("请填写灾害名称。")]})
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": [_("发生日期不能晚于今天。")]})
    if emergency_ends_on < occurred_on:
        raise ValidationError({"emergency_ends_on": [_("应急期结束日期不能早于发生日期。")]})
    if transition_ends_on < emergency_ends_on:
        raise ValidationError({"transition_ends_on": [_("过渡期结束日期不能早于应急期结束日期。")]})
    event = DisasterEvent.objects.create(region_id=region, kind=kind, name=name.strip()[:128],
                                         area=(area or "").strip()[:255], occurred_on=occurred_on,
                                         emergency_ends_on=emergency_ends_on, transition_ends_on=transition_ends_on,
                                         created_by=actor)
    audit(actor=actor, action=AuditAction.DISASTER_EVENT_CREATE, obj=event, region_code=region,
          after={"kind": kind, "occurred_on": occurred_on, "emergency_ends_on": emergency_ends_on,
                 "transition_ends_on": transition_ends_on})
    return event


def _add(event, *, id_number, name, people, damage, note, region, actor) -> AffectedHousehold:
    region = region or event.region_id
    known_region(region)
    if not selectors.region_within(region, event.region_id):
        raise ValidationError({"region": [_("区域须在灾害事件的受灾区域之内。")]})
    if not region_in_scope(actor, region):
        raise ValidationError({"region": [_("该区域不在您的管辖范围内。")]})
    if damage not in AffectedHousehold.Damage.values:
        damage = DAMAGE_LABELS.get(str(damage).strip(), None)
        if damage is None:
            raise ValidationError({"damage": [_("受灾程度无效（房屋倒塌/房屋严重损坏/一般损坏/房屋未损）。")]})
    try:
        people = int(people)
    except (TypeError, ValueError):
        raise ValidationError({"people": [_("受灾人数须为整数。")]}) from None
    if not 1 <= people <= 50:
        raise ValidationError({"people": [_("受灾人数应在 1 到 50 之间。")]})
    person = person_for(id_number=str(id_number or "").strip(), name=str(name or "").strip())
    if AffectedHousehold.objects.filter(event=event, person=person).exists():
        raise ValidationError({"id_number": [_("该户已登记为本次灾害的受灾家庭。")]})
    return AffectedHousehold.objects.create(event=event, region_id=region, person=person,
                                            household=current_household(person), people=people, damage=damage,
                                            note=str(note or "").strip()[:255], created_by=actor)


@transaction.atomic
def disaster_household_add(*, event: DisasterEvent, id_number: str, name: str, damage: str, actor, people: int = 1,
                           note: str = "", region: str = "") -> AffectedHousehold:
    require(actor, roles=CASEWORKERS, region=event.region_id)
    affected = _add(event, id_number=id_number, name=name, people=people, damage=damage, note=note, region=region,
                    actor=actor)
    audit(actor=actor, action=AuditAction.DISASTER_HOUSEHOLD_ADD, obj=affected, region_code=affected.region_id,
          after={"event": event.pk, "people": affected.people, "damage": affected.damage})
    return affected


COLUMNS = {"身份证号码": "id_number", "姓名": "name", "受灾人数": "people", "受灾程度": "damage",
           "区域代码": "region", "情况说明": "note"}


def _rows(upload) -> list[dict]:
    name = (upload.name or "").lower()
    upload.seek(0)
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook  # lazy: only the import needs it
        try:
            ws = load_workbook(upload, read_only=True, data_only=True).active
            table = [["" if c is None else str(c).strip() for c in row] for row in ws.iter_rows(values_only=True)]
        except Exception:  # noqa: BLE001 - any unreadable workbook is the same answer to the user
            raise ValidationError({"file": [_("无法读取该 Excel 文件。")]}) from None
    elif name.endswith(".csv"):
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError({"file": [_("CSV 文件须为 UTF-8 编码。")]}) from None
        table = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise ValidationError({"file": [_("只能导入 CSV 或 XLSX 文件。")]})
    table = [r for r in table if any(r)]
    if not table:
        raise ValidationError({"file": [_("文件为空。")]})
    head = [COLUMNS.get(h) for h in table[0]]
    if "id_number" not in head or "name" not in head or "damage" not in head:
        raise ValidationError({"file": [_("表头须包含：身份证号码、姓名、受灾程度（可选：受灾人数、区域代码、情况说明）。")]})
    if len(table) - 1 > MAX_IMPORT_ROWS:
        raise ValidationError({"file": [_("一次最多导入 %(n)d 行。") % {"n": MAX_IMPORT_ROWS}]})
    return [{k: v for k, v in zip(head, row, strict=False) if k} for row in table[1:]]


@transaction.atomic
def disaster_households_import(*, event: DisasterEvent, upload, actor) -> list[dict]:
    """List import (CSV/XLSX): every row is saved or refused on its own (a savepoint each); the answer is a
    per-row report [{row, ok, name, error}]. A bad file as a whole is refused with nothing saved."""
    require(actor, roles=CASEWORKERS, region=event.region_id)
    report = []
    for i, row in enumerate(_rows(upload), start=2):
        try:
            with transaction.atomic():
                a = _add(event, id_number=row.get("id_number"), name=row.get("name"), people=row.get("people") or 1,
                         damage=row.get("damage"), note=row.get("note"), region=row.get("region"), actor=actor)
        except ValidationError as exc:
            report.append({"row": i, "ok": False, "name": row.get("name", ""), "error": "；".join(exc.messages)})
        else:
            report.append({"row": i, "ok": True, "name": a.person.name, "error": "", "id": a.pk})
    ok = sum(1 for r in report if r["ok"])
    audit(actor=actor, action=AuditAction.DISASTER_IMPORT, obj=event, region_code=event.region_id,
          after={"rows": len(report), "saved": ok, "refused": len(report) - ok})
    return report


@transaction.atomic
def disaster_aid_pay(*, affected: AffectedHousehold, phase: str, amount: int, actor, reason: str = "",
                     granted_on: dt.date | None = None) -> TemporaryAid:
    """Emergency-period (应急期) or transition-period (过渡期) living aid, paid as temporary aid through the
    same path (threshold, yearly cap, payment channel, 小额快救 review) and linked to the household."""
    require(actor, roles=CASEWORKERS, region=affected.region_id)
    event = affected.event
    granted_on = granted_on or timezone.localdate()
    if granted_on > timezone.localdate():
        raise ValidationError({"granted_on": [_("救助日期不能晚于今天。")]})
    if phase == "emergency":
        kind, window = TemporaryAid.Kind.EMERGENCY, (event.occurred_on, event.emergency_ends_on)
    elif phase == "transition":
        kind, window = TemporaryAid.Kind.TRANSITION, (event.emergency_ends_on + dt.timedelta(days=1),
                                                      event.transition_ends_on)
    else:
        raise ValidationError({"phase": [_("请选择应急期或过渡期。")]})
    if not window[0] <= granted_on <= window[1]:
        raise ValidationError({"granted_on": [_("救助日期须在该阶段内（%(a)s 至 %(b)s）。") % {
            "a": window[0].isoformat(), "b": window[1].isoformat()}]})
    label = _("应急期生活救助") if phase == "emergency" else _("过渡期生活救助")
    return aid_record(person=affected.person, region=affected.region_id, kind=kind, form=TemporaryAid.Form.CASH,
                      amount=amount, reason=(reason or "").strip() or f"{event.name}：{label}", actor=actor,
                      granted_on=granted_on, household=affected.household, purpose=TemporaryAid.Purpose.DISASTER,
                      disaster_household=affected)


def disaster_review_open(*, today: dt.date | None = None) -> int:
    """The daily beat job's step (`casework.disaster_review_open`): every affected household of an event whose
    transition period has ended gets its review task (set-based, once). No actor, nationwide."""
    today = today or timezone.localdate()
    with transaction.atomic():
        n = AffectedHousehold.objects.filter(review=AffectedHousehold.Review.NOT_DUE,
                                             event__transition_ends_on__lt=today).update(
            review=AffectedHousehold.Review.OPEN, review_opened_on=today)
        if n:
            audit(actor=None, action=AuditAction.DISASTER_REVIEW_OPEN, object_type="casework.AffectedHousehold",
                  object_id="scan", after={"today": today, "opened": n})
    return n


@transaction.atomic
def disaster_review_resolve(*, affected: AffectedHousehold, outcome: str, actor, reason: str = "",
                            ref: str = "") -> AffectedHousehold:
    """过渡期后 review: 低保 / 特困 / temporary aid (optionally the application's or aid's number) or no need,
    with the reason."""
    require(actor, roles=CIVIL_STAFF, region=affected.region_id)
    a = AffectedHousehold.objects.select_for_update().get(pk=affected.pk)
    if a.review != AffectedHousehold.Review.OPEN:
        raise ValidationError(_("该户没有待处理的复核任务（过渡期未结束或已复核）。"))
    if outcome not in AffectedHousehold.Outcome.values:
        raise ValidationError({"outcome": [_("请选择复核结论。")]})
    if outcome == AffectedHousehold.Outcome.NO_NEED and not (reason or "").strip():
        raise ValidationError({"reason": [_("结论为“无需救助”时请填写理由。")]})
    ref = str(ref or "").strip()
    if ref:
        model = TemporaryAid if outcome == AffectedHousehold.Outcome.TEMPORARY else Application
        if outcome == AffectedHousehold.Outcome.NO_NEED or not ref.isdigit() or not model.objects.filter(
                Q(pk=int(ref)) & Q(person_id=a.person_id)).exists():
            raise ValidationError({"ref": [_("衔接记录编号不存在或与该户不符。")]})
    a.review = AffectedHousehold.Review.DONE
    a.outcome = outcome
    a.outcome_reason = (reason or "").strip()[:255]
    a.outcome_ref = ref
    a.reviewed_by = actor
    a.reviewed_at = timezone.now()
    a.save()
    audit(actor=actor, action=AuditAction.DISASTER_REVIEW_RESOLVE, obj=a, region_code=a.region_id,
          after={"outcome": outcome, "reason": a.outcome_reason, "ref": ref})
    return a


