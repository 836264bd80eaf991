"""区域一体化: hand-over of a street-relief case to another region (接送返乡) and its acknowledgement there;
the home region's acknowledgement of an 急难发生地 aid notice and what it did about it."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.permissions import require
from portal.roles import CIVIL_STAFF
from portal.scoping import region_in_scope
from portal.services import audit

from .. import selectors
from ..audit_actions import AuditAction
from ..models import Encounter, Handover, HomeRegionNotice, NoticeFollowUp, UnidentifiedPerson
from ._shared import CASEWORKERS, known_region, person_for


def ack_hours() -> int:
    return int(getattr(settings, "CASEWORK_HANDOVER_ACK_HOURS", 24))


@transaction.atomic
def handover_create(*, region: str, to_region: str, method: str, escort_by: str, depart_at, destination: str,
                    actor, id_number: str = "", name: str = "", unidentified: UnidentifiedPerson | None = None,
                    encounter: Encounter | None = None, note: str = "") -> Handover:
    """Hand a case to another region: who escorts, when they leave, how, where to. The receiving region
    must acknowledge within CASEWORK_HANDOVER_ACK_HOURS of the departure (24 by default)."""
    require(actor, roles=CASEWORKERS)
    require(actor, region=known_region(region))
    known_region(to_region, "to_region")
    if selectors.region_within(to_region, region) or selectors.region_within(region, to_region):
        raise ValidationError({"to_region": [_("接收区域须为本区域以外的其他地区。")]})
    if method not in Handover.Method.values:
        raise ValidationError({"method": [_("返乡方式无效。")]})
    if not (escort_by or "").strip():
        raise ValidationError({"escort_by": [_("请填写护送人员或联系人。")]})
    if not (destination or "").strip():
        raise ValidationError({"destination": [_("请填写送达地点。")]})
    if depart_at is None:
        raise ValidationError({"depart_at": [_("请填写出发时间。")]})
    person = None
    if encounter is not None:
        if not region_in_scope(actor, encounter.region_id):
            raise ValidationError({"encounter": [_("该救助记录不在您的管辖范围内。")]})
        person, unidentified = encounter.person, encounter.unidentified
    elif id_number:
        person = person_for(id_number=id_number, name=name)
    elif unidentified is not None:
        if not region_in_scope(actor, unidentified.region_id):
            raise ValidationError({"unidentified": [_("该身份不明人员不在您的管辖范围内。")]})
        person = unidentified.person
    else:
        raise ValidationError({"id_number": [_("请填写受助人员身份证号码，或选择身份不明人员。")]})
    open_case = Handover.objects.filter(status__in=(Handover.Status.SENT, Handover.Status.ACKNOWLEDGED))
    if (person and open_case.filter(person=person).exists()) or (
            person is None and unidentified and open_case.filter(unidentified=unidentified).exists()):
        raise ValidationError({"id_number": [_("该人员已有尚未接收的转送。")]})
    h = Handover.objects.create(
        from_region_id=region, to_region_id=to_region, person=person,
        unidentified=unidentified if person is None else unidentified, encounter=encounter, method=method,
        escort_by=escort_by.strip()[:128], depart_at=depart_at, destination=destination.strip()[:255],
        note=(note or "").strip(), ack_due_at=depart_at + dt.timedelta(hours=ack_hours()), created_by=actor)
    audit(actor=actor, action=AuditAction.HANDOVER_CREATE, obj=h, region_code=region,
          after={"to_region": to_region, "method": method, "depart_at": depart_at, "ack_due_at": h.ack_due_at})
    return h


@transaction.atomic
def handover_acknowledge(*, handover: Handover, actor, note: str = "") -> Handover:
    """签收 by the receiving region (late is still accepted; the lateness stays visible)."""
    require(actor, roles=CIVIL_STAFF, region=handover.to_region_id)
    h = Handover.objects.select_for_update().get(pk=handover.pk)
    if h.status != Handover.Status.SENT:
        raise ValidationError(_("该转送已签收。"))
    h.status = Handover.Status.ACKNOWLEDGED
    h.acknowledged_at = timezone.now()
    h.acknowledged_by = actor
    h.ack_note = (note or "").strip()[:255]
    h.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "ack_note"])
    audit(actor=actor, action=AuditAction.HANDOVER_ACKNOWLEDGE, obj=h, region_code=h.to_region_id,
          before={"status": Handover.Status.SENT},
          after={"status": h.status, "late": h.acknowledged_at > h.ack_due_at})
    return h


@transaction.atomic
def handover_complete(*, handover: Handover, actor, note: str) -> Handover:
    """接收: the person has arrived and how they were settled (returned to family, placed, …)."""
    require(actor, roles=CIVIL_STAFF, region=handover.to_region_id)
    h = Handover.objects.select_for_update().get(pk=handover.pk)
    if h.status != Handover.Status.ACKNOWLEDGED:
        raise ValidationError(_("须先签收，才能确认接收。"))
    if not (note or "").strip():
        raise ValidationError({"note": [_("请填写接收安置情况。")]})
    h.status = Handover.Status.COMPLETED
    h.completed_at = timezone.now()
    h.completed_by = actor
    h.completion_note = note.strip()[:255]
    h.save(update_fields=["status", "completed_at", "completed_by", "completion_note"])
    audit(actor=actor, action=AuditAction.HANDOVER_COMPLETE, obj=h, region_code=h.to_region_id,
          before={"status": Handover.Status.ACKNOWLEDGED}, after={"status": h.status, "note": h.completion_note})
    return h


@transaction.atomic
def home_notice_acknowledge(*, notice: HomeRegionNotice, actor, follow_up: str, note: str = "") -> HomeRegionNotice:
    """The home region signs for an 急难发生地 aid notice and says what it does about it (a visit, an
    application, its own aid, or nothing because already covered)."""
    require(actor, roles=CIVIL_STAFF, region=notice.region_id)
    n = HomeRegionNotice.objects.select_for_update().get(pk=notice.pk)
    if n.acknowledged_at is not None:
        raise ValidationError(_("该通报已签收。"))
    if follow_up not in NoticeFollowUp.values:
        raise ValidationError({"follow_up": [_("请选择后续处置方式。")]})
    if follow_up == NoticeFollowUp.NO_ACTION and not (note or "").strip():
        raise ValidationError({"note": [_("无需处置时请说明理由。")]})
    n.acknowledged_at = timezone.now()
    n.acknowledged_by = actor
    n.follow_up = follow_up
    n.follow_up_note = (note or "").strip()[:255]
    n.save(update_fields=["acknowledged_at", "acknowledged_by", "follow_up", "follow_up_note"])
    audit(actor=actor, action=AuditAction.HOME_NOTICE_ACKNOWLEDGE, obj=n, region_code=n.region_id,
          after={"follow_up": follow_up, "note": n.follow_up_note})
    return n
