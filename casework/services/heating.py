"""取暖救助与临时救助有效衔接: a household in hardship that no heating scheme covers this season
(低保边缘, newly hit) is granted heating temporary aid from its casework page."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import selectors as assistance_selectors
from assistance.models import Household
from portal.permissions import require
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import TemporaryAid
from ._shared import CASEWORKERS
from .temporary_aid import aid_record


def season_start(today: dt.date) -> dt.datetime:
    """The heating season this day belongs to starts on 1 October (of this year, or last year before October)."""
    year = today.year if today.month >= 10 else today.year - 1
    return dt.datetime(year, 10, 1, tzinfo=timezone.get_default_timezone())


@transaction.atomic
def heating_aid_grant(*, household: Household, amount: int, reason: str, actor) -> TemporaryAid:
    """Heating temporary aid (衔接型, purpose `heating`) for a household no heating scheme covers this season;
    through the temporary-aid path (小额快救 or approval, yearly cap, payment channel)."""
    require(actor, roles=CASEWORKERS, region=household.region_id)
    if household.head_id is None:
        raise ValidationError(_("该家庭没有户主记录，无法发放。"))
    if assistance_selectors.heating_covered(household.pk, since=season_start(timezone.localdate())):
        raise ValidationError({"household": [_("该家庭本采暖季已纳入取暖救助发放，无需再给予取暖临时救助。")]})
    if TemporaryAid.objects.filter(household=household, purpose=TemporaryAid.Purpose.HEATING,
                                   created_at__gte=season_start(timezone.localdate()),
                                   status__in=TemporaryAid.COUNTED).exists():
        raise ValidationError({"household": [_("该家庭本采暖季已给予取暖临时救助。")]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写困难情况（如低保边缘、新近遭遇困难）。")]})
    aid = aid_record(person=household.head, region=household.region_id, kind=TemporaryAid.Kind.BRIDGING,
                     form=TemporaryAid.Form.CASH, amount=amount, reason=reason, actor=actor, household=household,
                     purpose=TemporaryAid.Purpose.HEATING)
    audit(actor=actor, action=AuditAction.HEATING_AID_GRANT, obj=aid, region_code=household.region_id,
          after={"household": household.pk, "amount": amount, "status": aid.status})
    return aid
