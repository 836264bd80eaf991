"""Putting a decision right after an appeal (申诉 / 复核): a stopped or suspended household enrolment
reinstated from a date in the past, or its monthly amount corrected from a date in the past.

Both only rewrite the person rows (history kept: a changed row ends the day before and a new one starts);
the money follows from the monthly payroll's back-pay (补发), which pays each earlier month of the last 12
the difference between the entitlement the rows now say and what was paid for it — once.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.permissions import Role, require
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import Enrolment, HouseholdEnrolment, Member
from .household import LIVE, _apply_shares

STAFF = {Role.CASEWORKER, Role.APPROVER}


@transaction.atomic
def enrolment_reinstate(*, household_enrolment: HouseholdEnrolment, actor, on: dt.date,
                        reason: str) -> HouseholdEnrolment:
    """恢复 a stopped or suspended household enrolment from `on` (the day the stop took effect, or later),
    with each current member's last amount. Unlike `enrolment_resume`, the gap is paid: the next payroll
    back-pays the months from `on`."""
    he = HouseholdEnrolment.objects.select_for_update().get(pk=household_enrolment.pk)
    require(actor, roles=STAFF, region=he.region_id)
    if he.status not in (HouseholdEnrolment.Status.STOPPED, HouseholdEnrolment.Status.SUSPENDED):
        raise ValidationError(_("只有已停发或暂停发放的认定可以恢复。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写恢复理由。")]})
    if on > timezone.localdate():
        raise ValidationError({"on": [_("恢复日期不能晚于今天。")]})
    if HouseholdEnrolment.objects.filter(household_id=he.household_id, category=he.category) \
            .exclude(status=HouseholdEnrolment.Status.STOPPED).exclude(pk=he.pk).exists():
        raise ValidationError(_("该家庭已有同类在保认定，不能重复恢复。"))
    rows = list(Enrolment.objects.select_for_update().filter(household_enrolment=he)
                .exclude(status=Enrolment.Status.REVOKED).order_by("start", "id"))
    last = {}
    for row in rows:
        last[row.person_id] = row
    if not last:
        raise ValidationError(_("该认定没有发放记录，无法恢复。"))
    if any(r.end is None or r.end >= on for r in last.values()):
        raise ValidationError({"on": [_("恢复日期须晚于停发前最后发放日。")]})
    current = set(Member.objects.filter(household_id=he.household_id, left_on__isnull=True)
                  .values_list("person_id", flat=True))
    made = 0
    for person_id, row in last.items():
        if person_id in current:
            Enrolment.objects.create(person_id=person_id, household_id=he.household_id, region_id=he.region_id,
                                     category=he.category, monthly_amount=row.monthly_amount, start=on,
                                     created_by=actor, household_enrolment=he)
            made += 1
    if not made:
        raise ValidationError(_("该家庭已无在册成员，无法恢复。"))
    before = {"status": he.status, "end": he.end}
    he.status, he.end, he.note = HouseholdEnrolment.Status.ACTIVE, None, reason.strip()[:255]
    he.save(update_fields=["status", "end", "note"])
    audit(actor=actor, action=AuditAction.ENROLMENT_REINSTATE, obj=he, region_code=he.region_id, before=before,
          after={"status": he.status, "from": on, "rows": made}, note=reason.strip()[:255])
    return he


@transaction.atomic
def enrolment_amount_correct(*, household_enrolment: HouseholdEnrolment, monthly_amount: int,
                             effective_from: dt.date, actor, reason: str) -> HouseholdEnrolment:
    """核定金额更正: the household's monthly amount is `monthly_amount` (fen) from `effective_from`, split
    evenly over the members' rows in force then (the first rows take the remainder). The next payroll
    back-pays the difference for the months already paid."""
    he = HouseholdEnrolment.objects.select_for_update().get(pk=household_enrolment.pk)
    require(actor, roles=STAFF, region=he.region_id)
    if he.status not in LIVE:
        raise ValidationError(_("只有正常发放或渐退期的认定可以更正金额。"))
    if monthly_amount is None or monthly_amount <= 0:
        raise ValidationError({"monthly_amount": [_("金额须大于零。")]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写更正理由。")]})
    if effective_from > timezone.localdate():
        raise ValidationError({"effective_from": [_("生效日期不能晚于今天。")]})
    rows = list(Enrolment.objects.select_for_update().filter(household_enrolment=he)
                .exclude(status=Enrolment.Status.REVOKED)
                .filter(Q(end__isnull=True) | Q(end__gte=effective_from)).order_by("person_id", "start", "id"))
    if not rows:
        raise ValidationError({"effective_from": [_("该日期后没有发放记录。")]})
    if any(r.start > effective_from for r in rows) and not any(r.start <= effective_from for r in rows):
        raise ValidationError({"effective_from": [_("生效日期早于认定起始日期。")]})
    people = sorted({r.person_id for r in rows})
    share, extra = divmod(monthly_amount, len(people))
    shares = {pid: share + (1 if i < extra else 0) for i, pid in enumerate(people)}
    _apply_shares(rows, shares, effective_from=effective_from, actor=actor, he=he)
    before = he.monthly_amount
    he.monthly_amount = monthly_amount
    he.note = reason.strip()[:255]
    he.save(update_fields=["monthly_amount", "note"])
    audit(actor=actor, action=AuditAction.ENROLMENT_AMOUNT_CORRECT, obj=he, region_code=he.region_id,
          before={"monthly_amount": before},
          after={"monthly_amount": monthly_amount, "from": effective_from}, note=reason.strip()[:255])
    return he
