"""Regional policy: time limits and thresholds, holiday fast-track periods, cold-wave alerts."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import Region
from portal.permissions import require
from portal.roles import CIVIL_STAFF
from portal.services import audit

from .. import selectors
from ..audit_actions import AuditAction
from ..models import Application, ColdWaveAlert, FastTrackPeriod, RegionPolicy
from ._shared import APPROVERS, known_region


@transaction.atomic
def policy_set(*, region: str, actor, normal_days: int = 30, fast_track_days: int = 10,
               small_aid_threshold: int = 100000, yearly_cap: int = 1000000, patrols_per_day: int = 1) -> RegionPolicy:
    require(actor, roles=APPROVERS)
    require(actor, region=known_region(region))
    if fast_track_days > normal_days:
        raise ValidationError({"fast_track_days": [_("快速通道时限不能长于正常时限。")]})
    values = {"normal_days": normal_days, "fast_track_days": fast_track_days,
              "small_aid_threshold": small_aid_threshold, "yearly_cap": yearly_cap, "patrols_per_day": patrols_per_day}
    policy, _created = RegionPolicy.objects.update_or_create(region_id=region, defaults=values)
    audit(actor=actor, action=AuditAction.POLICY_SET, obj=policy, region_code=region, after=values)
    return policy


@transaction.atomic
def fast_track_create(*, region: str, name: str, starts_on: dt.date, ends_on: dt.date, actor) -> FastTrackPeriod:
    """A holiday fast-track period. Open applications of the region received in the period get the
    shorter due date at once (set-based, one UPDATE per received day)."""
    require(actor, roles=APPROVERS)
    require(actor, region=known_region(region))
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("结束日期不能早于开始日期。")]})
    period = FastTrackPeriod.objects.create(region_id=region, name=name.strip() or _("快速通道"),
                                            starts_on=starts_on, ends_on=ends_on, created_by=actor)
    lo, hi = Region(code=region).code_range
    open_apps = Application.objects.filter(region_id__gte=lo, region_id__lte=hi, status__in=Application.OPEN,
                                           received_on__gte=starts_on, received_on__lte=ends_on, fast_track=False)
    for region_code, received in open_apps.values_list("region_id", "received_on").distinct():
        due, fast = selectors.application_due_date(region_code, received)
        open_apps.filter(region_id=region_code, received_on=received).update(due_on=due, fast_track=fast)
    audit(actor=actor, action=AuditAction.FAST_TRACK_CREATE, obj=period, region_code=region,
          after={"starts_on": starts_on, "ends_on": ends_on})
    return period


@transaction.atomic
def cold_wave_alert_create(*, region: str, level: str, starts_on: dt.date, ends_on: dt.date, actor,
                           patrols_per_day: int = 3) -> ColdWaveAlert:
    require(actor, roles=CIVIL_STAFF)
    require(actor, region=known_region(region))
    if level not in ColdWaveAlert.Level.values:
        raise ValidationError({"level": [_("预警级别无效。")]})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("结束日期不能早于开始日期。")]})
    if patrols_per_day < 1:
        raise ValidationError({"patrols_per_day": [_("每日巡查次数至少为 1。")]})
    alert = ColdWaveAlert.objects.create(region_id=region, level=level, starts_on=starts_on, ends_on=ends_on,
                                         patrols_per_day=patrols_per_day, created_by=actor)
    audit(actor=actor, action=AuditAction.COLD_WAVE_ALERT, obj=alert, region_code=region,
          after={"level": level, "starts_on": starts_on, "ends_on": ends_on, "patrols_per_day": patrols_per_day})
    return alert
