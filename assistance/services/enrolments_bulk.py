"""Enrolments of many people at once (the enrolment table's bulk actions): enrol the selected members,
stop (停发) or end (终止) their open enrolments of one category. Set-based: one SELECT … FOR UPDATE of the
rows concerned, one UPDATE, one bulk INSERT, and one audit row per region touched (naming every row).

Both refuse the whole selection, writing nothing, when any member is not a current member of a household
in the actor's region (one message: not found / not yours), or when any row would conflict.
Members enrolled as a household (按户认定) are stopped on the household page, where the household's
enrolment and its members' rows change together; here they are refused."""

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import idnumber
from portal.permissions import Role, require
from portal.scoping import region_in_scope
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import Category, Enrolment, Member

MAX_SELECTION = 500
END_ACTIONS = {"stop", "end"}


def _who(member: Member) -> str:
    return f"{member.person.name} {idnumber.mask(member.person.id_number)}"


def _members(member_ids, actor) -> list[Member]:
    ids = sorted({int(i) for i in member_ids})
    if not ids:
        raise ValidationError({"members": [_("请至少选择一名人员。")]})
    if len(ids) > MAX_SELECTION:
        raise ValidationError({"members": [_("一次最多办理 %(n)d 人。") % {"n": MAX_SELECTION}]})
    members = list(Member.objects.select_related("person", "household").filter(pk__in=ids, left_on__isnull=True)
                   .order_by("pk"))
    if len(members) != len(ids) or any(not region_in_scope(actor, m.household.region_id) for m in members):
        raise ValidationError({"members": [_("所选人员中有未登记在您辖区内家庭中的人员，请重新选择。")]})
    return members


def _audit_by_region(*, actor, action, rows: list[Enrolment], after: dict, note: str = "") -> None:
    by_region: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_region[row.region_id].append(row.pk)
    for region, ids in sorted(by_region.items()):
        audit(actor=actor, action=action, object_type="assistance.Enrolment", object_id=",".join(map(str, ids))[:64],
              region_code=region, after={**after, "enrolments": ids}, note=note)


@transaction.atomic
def enrolments_create_bulk(*, member_ids, category: str, monthly_amount: int, start: dt.date, actor,
                           end: dt.date | None = None) -> list[Enrolment]:
    """Enrol the selected members in `category` at `monthly_amount` fen a month from `start` (each person
    the same amount; amounts from a means test are set per household on the household page). An open
    enrolment of the same category that began earlier ends the day before (history kept), as for one
    person (`enrolment_create`); one that began on or after `start` is a conflict."""
    require(actor, roles={Role.CASEWORKER})
    if category not in Category.values:
        raise ValidationError({"category": [_("救助类别无效。")]})
    if monthly_amount < 0:
        raise ValidationError({"monthly_amount": [_("金额不能为负数。")]})
    if end is not None and end < start:
        raise ValidationError({"end": [_("终止日期不能早于起始日期。")]})
    members = _members(member_ids, actor)
    by_person = {m.person_id: m for m in members}
    overlapping = list(Enrolment.objects.select_for_update().filter(person_id__in=list(by_person), category=category)
                       .exclude(status=Enrolment.Status.REVOKED).filter(Q(end__isnull=True) | Q(end__gte=start))
                       .order_by("pk"))
    conflicts = sorted({_who(by_person[o.person_id]) for o in overlapping if o.start >= start})
    if conflicts:
        raise ValidationError({"start": [_("以下人员已有同类认定自该日期或之后开始：%(who)s。") % {"who": "、".join(conflicts)}]})
    if overlapping:
        Enrolment.objects.filter(pk__in=[o.pk for o in overlapping]).update(
            end=start - dt.timedelta(days=1), status=Enrolment.Status.ENDED)
        _audit_by_region(actor=actor, action=AuditAction.ENROLMENT_END, rows=overlapping,
                         after={"end": start - dt.timedelta(days=1), "status": Enrolment.Status.ENDED})
    created = Enrolment.objects.bulk_create([
        Enrolment(person_id=m.person_id, household_id=m.household_id, region_id=m.household.region_id,
                  category=category, monthly_amount=monthly_amount, start=start, end=end, created_by=actor)
        for m in members
    ])
    _audit_by_region(actor=actor, action=AuditAction.ENROLMENT_CREATE, rows=created,
                     after={"category": category, "monthly_amount": monthly_amount, "start": start, "end": end,
                            "bulk": True})
    return created


@transaction.atomic
def enrolments_end_bulk(*, member_ids, category: str, action: str, on: dt.date | None = None, reason: str = "",
                        actor) -> int:
    """Stop (停发, `action="stop"`: no payment after `on`, the enrolment is ended now) or end (终止,
    `action="end"`: the enrolment runs until `on`, a date that may lie ahead, and is ended from then) the
    selected members' open enrolments of `category`. Every selected member must have one. Returns how
    many enrolments changed."""
    require(actor, roles={Role.CASEWORKER})
    if action not in END_ACTIONS:
        raise ValidationError({"action": [_("无效的操作。")]})
    if category not in Category.values:
        raise ValidationError({"category": [_("救助类别无效。")]})
    today = timezone.localdate()
    on = on or today
    reason = (reason or "").strip()
    if action == "stop" and not reason:
        raise ValidationError({"reason": [_("请填写停发原因。")]})
    members = _members(member_ids, actor)
    by_person = {m.person_id: m for m in members}
    rows = list(Enrolment.objects.select_for_update().filter(
        person_id__in=list(by_person), category=category, status=Enrolment.Status.ACTIVE)
        .filter(Q(end__isnull=True) | Q(end__gt=on)).order_by("pk"))
    covered = {r.person_id for r in rows}
    missing = sorted(_who(m) for pid, m in by_person.items() if pid not in covered)
    if missing:
        raise ValidationError({"members": [_("以下人员没有可办理的该类别有效认定：%(who)s。") % {"who": "、".join(missing)}]})
    household_rows = sorted({_who(by_person[r.person_id]) for r in rows if r.household_enrolment_id})
    if household_rows:
        raise ValidationError({"members": [_("以下人员属按户认定，请在家庭页面办理：%(who)s。") % {"who": "、".join(household_rows)}]})
    late = sorted({_who(by_person[r.person_id]) for r in rows if r.start > on})
    if late:
        raise ValidationError({"on": [_("以下人员的认定起始日期晚于所填日期：%(who)s。") % {"who": "、".join(late)}]})
    status = Enrolment.Status.ENDED if action == "stop" or on < today else Enrolment.Status.ACTIVE
    changed = Enrolment.objects.filter(pk__in=[r.pk for r in rows]).update(end=on, status=status)
    _audit_by_region(actor=actor, action=AuditAction.ENROLMENT_STOP if action == "stop" else AuditAction.ENROLMENT_END,
                     rows=rows, after={"end": on, "status": status, "action": action}, note=reason)
    return changed
