"""主动发现 (proactive discovery): the nightly scan that raises tasks from signals in other records, and
their resolution by a caseworker (an action taken, or a dismissal with a reason).

Reads assistance's households and enrolments (casework reads assistance by design) and medical_pooling's
spending only through `medical_pooling.selectors`.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import selectors as assistance_selectors
from assistance.models import Enrolment, Household, Member
from medical_pooling import selectors as pooling_selectors
from portal.money import yuan_str
from portal.permissions import require
from portal.roles import CIVIL_STAFF
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import Application, ColdWaveAlert, DiscoveryTask, TemporaryAid, Visit


def medical_threshold() -> int:
    return int(getattr(settings, "CASEWORK_MEDICAL_THRESHOLD_FEN", 500000))


def _month_bounds(day: dt.date):
    tz = timezone.get_default_timezone()
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return (f"{first:%Y-%m}", dt.datetime.combine(first, dt.time.min, tzinfo=tz),
            dt.datetime.combine(nxt, dt.time.min, tzinfo=tz))


def _insert(tasks: list[DiscoveryTask]) -> int:
    """INSERT … ON CONFLICT DO NOTHING on the (kind, person, period) key: running twice adds nothing."""
    before = DiscoveryTask.objects.count()
    for i in range(0, len(tasks), 2000):
        DiscoveryTask.objects.bulk_create(tasks[i:i + 2000], ignore_conflicts=True)
    return DiscoveryTask.objects.count() - before


def discovery_scan(*, today: dt.date | None = None) -> dict:
    """Raise 主动发现 tasks, set-based, never twice for one signal (kind + person + period):
    - enrolments ending within 30 days;
    - during a cold-wave alert, people aged 70+ living alone (a household of one) in the alert's area;
    - personal-burden medical spending (medical_pooling's selector, the person as beneficiary) in this or
      last month above CASEWORK_MEDICAL_THRESHOLD_FEN;
    - people dropped from a heating batch in the last 60 days (failed payment, or ineligible at
      re-verification): read through `assistance.selectors.heating_dropped_payments`.
    A nightly task's step (`casework.discovery_scan`): no actor, nationwide."""
    today = today or timezone.localdate()
    now = timezone.now()
    counts = {}
    with transaction.atomic():
        lapsing = (Enrolment.objects.filter(status=Enrolment.Status.ACTIVE, end__gte=today,
                                            end__lte=today + dt.timedelta(days=30))
                   .values("id", "person_id", "household_id", "region_id", "end", "category"))
        counts["enrolment_lapse"] = _insert([
            DiscoveryTask(kind=DiscoveryTask.Kind.ENROLMENT_LAPSE, region_id=r["region_id"], person_id=r["person_id"],
                          household_id=r["household_id"], period=r["end"].isoformat(), enrolment_id=r["id"],
                          evidence={"enrolment": r["id"], "category": r["category"], "end": r["end"].isoformat()},
                          created_at=now)
            for r in lapsing])
        try:
            born_before = today.replace(year=today.year - 70)
        except ValueError:  # 29 February
            born_before = today.replace(year=today.year - 70, day=28)
        single = (Member.objects.filter(left_on__isnull=True).values("household_id")
                  .annotate(n=Count("id")).filter(n=1).values("household_id"))
        tasks = []
        for alert in ColdWaveAlert.objects.filter(starts_on__lte=today, ends_on__gte=today):
            lo, hi = alert.region.code_range
            rows = (Member.objects.filter(left_on__isnull=True, household_id__in=single,
                                          household__region_id__gte=lo, household__region_id__lte=hi,
                                          person__birth_date__lte=born_before, person__deceased_on__isnull=True)
                    .values("person_id", "household_id", "household__region_id", "person__birth_date"))
            tasks += [DiscoveryTask(kind=DiscoveryTask.Kind.COLD_ELDERLY, region_id=r["household__region_id"],
                                    person_id=r["person_id"], household_id=r["household_id"],
                                    period=f"alert-{alert.pk}", alert=alert, created_at=now,
                                    evidence={"alert": alert.pk, "level": alert.level,
                                              "birth_date": r["person__birth_date"].isoformat(), "household_size": 1})
                      for r in rows]
        counts["cold_elderly"] = _insert(tasks)
        tasks = []
        threshold = medical_threshold()
        last_month = today.replace(day=1) - dt.timedelta(days=1)
        for day in (last_month, today):
            label, start, end = _month_bounds(day)
            rows = pooling_selectors.personal_medical_spending(start=start, end=end, above=threshold)
            homes = dict(Member.objects.filter(left_on__isnull=True, person_id__in=[r["person_id"] for r in rows])
                         .values_list("person_id", "household_id"))
            regions = dict(Household.objects.filter(pk__in=homes.values()).values_list("id", "region_id"))
            tasks += [DiscoveryTask(kind=DiscoveryTask.Kind.MEDICAL_BURDEN, person_id=r["person_id"],
                                    household_id=homes.get(r["person_id"]),
                                    region_id=regions.get(homes.get(r["person_id"]), r["region_id"]),
                                    period=label, created_at=now,
                                    evidence={"month": label, "total": yuan_str(r["total"]), "spends": r["spends"],
                                              "threshold": yuan_str(threshold)})
                      for r in rows]
        counts["medical_burden"] = _insert(tasks)
        # dropped from a heating batch (failed payment, ineligible at re-verification) in the last 60 days:
        # a task for the household's head instead of disappearing (once per scheme and period)
        since = now - dt.timedelta(days=60)
        tasks = [DiscoveryTask(kind=DiscoveryTask.Kind.HEATING_DROPPED, region_id=r["region_id"],
                               person_id=r["person_id"] or r["household__head_id"], household_id=r["household_id"],
                               period=f"h{r['scheme_id']}-{r['period']}"[:16], created_at=now,
                               evidence={"payment": r["id"], "scheme": r["scheme_id"], "status": r["status"],
                                         "reason": r["reason"], "amount": yuan_str(r["amount"])})
                 for r in assistance_selectors.heating_dropped_payments(since=since)
                 if r["person_id"] or r["household__head_id"]]
        counts["heating_dropped"] = _insert(tasks)
        audit(actor=None, action=AuditAction.DISCOVERY_SCAN, object_type="casework.DiscoveryTask", object_id="scan",
              after={"today": today, **counts})
    return counts


@transaction.atomic
def discovery_resolve(*, task: DiscoveryTask, actor, action: str = "", action_ref: str = "",
                      dismiss_reason: str = "") -> DiscoveryTask:
    """End a task in an action (visit / temporary aid / application, with the record's number) or a
    dismissal with a reason."""
    require(actor, roles=CIVIL_STAFF, region=task.region_id)
    task = DiscoveryTask.objects.select_for_update().get(pk=task.pk)
    if task.status != DiscoveryTask.Status.OPEN:
        raise ValidationError(_("该任务已处理。"))
    if action:
        if action not in DiscoveryTask.Action.values:
            raise ValidationError({"action": [_("处置方式无效。")]})
        model = {"visit": Visit, "temporary_aid": TemporaryAid, "application": Application}[action]
        if action_ref:
            if not str(action_ref).isdigit() or not model.objects.filter(
                    Q(pk=int(action_ref)) & (Q(household_id=task.household_id) if action == "visit"
                                             else Q(person_id=task.person_id))).exists():
                raise ValidationError({"action_ref": [_("处置记录编号不存在或与该任务的对象不符。")]})
        task.status = DiscoveryTask.Status.ACTED
        task.action = action
        task.action_ref = str(action_ref or "")
    else:
        if not dismiss_reason.strip():
            raise ValidationError({"dismiss_reason": [_("请选择处置方式，或填写排除理由。")]})
        task.status = DiscoveryTask.Status.DISMISSED
        task.dismiss_reason = dismiss_reason.strip()[:255]
    task.resolved_by = actor
    task.resolved_at = timezone.now()
    task.save()
    audit(actor=actor, action=AuditAction.DISCOVERY_RESOLVE, obj=task, region_code=task.region_id,
          before={"status": DiscoveryTask.Status.OPEN},
          after={"status": task.status, "action": task.action, "action_ref": task.action_ref,
                 "reason": task.dismiss_reason})
    return task


@transaction.atomic
def payment_check_case_open(*, person, region: str, period: str, evidence: dict, actor,
                            household=None) -> DiscoveryTask:
    """回访核查 found a discrepancy (money not received, a different amount, a person unknown at the address):
    open a task for the district's caseworkers, handled as any 主动发现 task (visit, aid, or dismissal with
    a reason). One task per person and period (`period` names the batch): a second finding adds nothing."""
    require(actor, roles=CIVIL_STAFF, region=region)
    task, _created = DiscoveryTask.objects.get_or_create(
        kind=DiscoveryTask.Kind.PAYMENT_CHECK, person=person, period=period[:16],
        defaults={"region_id": region, "household": household, "evidence": evidence})
    if _created:
        audit(actor=actor, action=AuditAction.PAYMENT_CHECK_CASE, obj=task, region_code=region,
              after={"period": task.period, **{k: str(v) for k, v in evidence.items()}})
    return task
