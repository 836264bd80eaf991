"""Employment: the six-month follow-up of certified makers, and 就业帮扶 referrals by caseworkers."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal import idnumber
from portal.permissions import require
from portal.roles import Role
from portal.services import audit, person_get_or_create, person_name_matches

from ..audit_actions import AuditAction
from ..models import Certificate, EmploymentFollowUp, Referral
from .common import require_staff

FOLLOW_UP_AFTER_DAYS = 182


@transaction.atomic
def followup_record(*, certificate: Certificate, followed_on: dt.date, outcome: str, brand: str = "cuisine",
                    employer: str = "", income_before: int = 0, income_after: int = 0, jobs_created: int = 0,
                    actor) -> EmploymentFollowUp:
    """Record the six-month follow-up of a certified maker. Incomes are integer fen (parse with to_fen)."""
    require_staff(actor, certificate.region_id, message=_("该证书不在您的管辖范围内。"))
    if followed_on < certificate.issued_on + dt.timedelta(days=FOLLOW_UP_AFTER_DAYS):
        raise ValidationError({"followed_on": [_("就业回访须在发证满六个月后进行。")]})
    if outcome not in EmploymentFollowUp.Outcome.values:
        raise ValidationError({"outcome": [_("就业情况无效。")]})
    if min(income_before, income_after, jobs_created) < 0:
        raise ValidationError(_("收入和带动就业人数不能为负数。"))
    if outcome == EmploymentFollowUp.Outcome.NOT_WORKING and jobs_created:
        raise ValidationError({"jobs_created": [_("未就业者不应填写带动就业人数。")]})
    if EmploymentFollowUp.objects.filter(certificate=certificate, followed_on=followed_on).exists():
        raise ValidationError({"followed_on": [_("该证书当日已有回访记录。")]})
    followup = EmploymentFollowUp.objects.create(
        certificate=certificate, person=certificate.holder, region_id=certificate.region_id, followed_on=followed_on,
        outcome=outcome, brand=brand, employer=employer, income_before=income_before, income_after=income_after,
        jobs_created=jobs_created, created_by=actor if getattr(actor, "pk", None) else None)
    audit(actor=actor, action=AuditAction.FOLLOWUP_RECORD, obj=followup, region_code=certificate.region_id,
          after={"outcome": outcome, "income_before": income_before, "income_after": income_after,
                 "jobs_created": jobs_created})
    return followup


@transaction.atomic
def referral_create(*, id_number: str, name: str, level_wanted: int = 5, note: str = "",
                    region_code: str | None = None, actor) -> Referral:
    """A caseworker refers a person to training; the referral belongs to the caseworker's region
    (or a region within it)."""
    require(actor, roles={Role.CASEWORKER}, message=_("只有民政经办人员可以转介。"))
    region_code = region_code or getattr(actor, "region_id", None)
    if not region_code:
        raise ValidationError(_("转介人须有管辖区域。"))
    require(actor, region=region_code, message=_("该区域不在您的管辖范围内。"))
    person = person_get_or_create(id_number=id_number, name=name)
    if not person_name_matches(person, name):
        raise ValidationError({"name": [_("姓名与身份证号码登记的姓名不一致。")]})
    if Referral.objects.filter(person=person, region_id=region_code).exists():
        raise ValidationError({"id_number": [_("该人员已由本区域转介。")]})
    if not 1 <= int(level_wanted) <= 5:
        raise ValidationError({"level_wanted": [_("等级应为1到5的整数。")]})
    referral = Referral.objects.create(person=person, region_id=region_code, referred_by=actor,
                                       level_wanted=level_wanted, note=note)
    audit(actor=actor, action=AuditAction.REFERRAL_CREATE, obj=referral, region_code=region_code,
          after={"person": idnumber.mask(person.id_number), "level_wanted": level_wanted})
    return referral
