"""Every read of casework starts from portal.scoping.restrict (out of scope = not there = 404)."""

import datetime as dt

from django.db.models import BooleanField as _Bool
from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from assistance.models import Member
from portal.models import Region, code_range
from portal.scoping import get_scoped_or_404, region_q, restrict

from .models import (
    AffectedHousehold,
    Application,
    ColdWaveAlert,
    DisasterEvent,
    DiscoveryTask,
    Encounter,
    FastTrackPeriod,
    Handover,
    HomeRegionNotice,
    Inventory,
    Notice,
    Patrol,
    PatrolMember,
    RegionPolicy,
    Shelter,
    ShelterStay,
    TemporaryAid,
    UnidentifiedPerson,
    Visit,
)

DEFAULT_POLICY = RegionPolicy(normal_days=30, fast_track_days=10, small_aid_threshold=100000,
                              yearly_cap=1000000, patrols_per_day=1)


def ancestor_codes(code: str) -> list[str]:
    """The region itself, then its prefecture, then its province (nearest first)."""
    out = [code]
    for c in (code[:4] + "00", code[:2] + "0000"):
        if c not in out:
            out.append(c)
    return out


def region_policy(code: str) -> RegionPolicy:
    """The nearest policy at or above `code` (the region's own, else its city's, else its province's)."""
    codes = ancestor_codes(code)
    found = {p.region_id: p for p in RegionPolicy.objects.filter(region_id__in=codes)}
    for c in codes:
        if c in found:
            return found[c]
    return DEFAULT_POLICY


def fast_track_period(code: str, on: dt.date) -> FastTrackPeriod | None:
    return (FastTrackPeriod.objects.filter(region_id__in=ancestor_codes(code), starts_on__lte=on, ends_on__gte=on)
            .order_by("-starts_on").first())


def application_due_date(region_code: str, received_on: dt.date) -> tuple[dt.date, bool]:
    """THE due date of an application: received_on + the region's time limit (calendar days),
    shortened to the fast-track limit when a fast-track period of the region (or above) covers
    the day it was received. Returns (due_on, fast_track)."""
    policy = region_policy(region_code)
    fast = fast_track_period(region_code, received_on) is not None
    days = policy.fast_track_days if fast else policy.normal_days
    return received_on + dt.timedelta(days=days), fast


def application_list(user, *, today: dt.date | None = None) -> QuerySet:
    """Applications in the user's scope with `late` (open and past due) annotated."""
    today = today or timezone.localdate()
    late = Case(When(Q(status__in=Application.OPEN) & Q(due_on__lt=today), then=Value(True)),
                default=Value(False), output_field=_Bool())
    return (restrict(Application.objects.select_related("person", "region", "received_by", "reviewed_by"), user)
            .annotate(late=late))


def application_get(user, pk) -> Application:
    return get_scoped_or_404(application_list(user), user, pk=pk)


def temporary_aid_list(user) -> QuerySet:
    return restrict(TemporaryAid.objects.select_related("person", "region", "home_region", "created_by"), user)


def temporary_aid_get(user, pk) -> TemporaryAid:
    return get_scoped_or_404(temporary_aid_list(user), user, pk=pk)


def aid_year_total(person_id: int, year: int, *, exclude_id: int | None = None) -> int:
    qs = TemporaryAid.objects.filter(person_id=person_id, granted_on__year=year, status__in=TemporaryAid.COUNTED)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.aggregate(s=Coalesce(Sum("amount"), 0))["s"]


def home_notices(user) -> QuerySet:
    return restrict(HomeRegionNotice.objects.select_related("person", "from_region", "aid"), user)


def home_notice_get(user, pk) -> HomeRegionNotice:
    return get_scoped_or_404(home_notices(user), user, pk=pk)


def handover_list(user) -> QuerySet:
    """Hand-overs from or to the user's region (both sides see it), `overdue` annotated: still waiting for
    the receiving region's acknowledgement past its time limit."""
    overdue = Case(When(Q(status=Handover.Status.SENT) & Q(ack_due_at__lt=timezone.now()), then=Value(True)),
                   default=Value(False), output_field=_Bool())
    return restrict(Handover.objects.select_related("person", "unidentified", "from_region", "to_region",
                                                    "created_by"), user).annotate(is_overdue=overdue)


def handover_get(user, pk) -> Handover:
    return get_scoped_or_404(handover_list(user), user, pk=pk)


def handover_overdue_counts(user) -> dict:
    """Overdue hand-overs, split by side: ones the user's region must sign for, ones it is waiting on."""
    qs = handover_list(user).filter(status=Handover.Status.SENT, ack_due_at__lt=timezone.now())
    if user.region_id is None:
        return {"incoming": qs.count(), "outgoing": 0}
    mine_in, mine_out = region_q("to_region_id", user.region_id), region_q("from_region_id", user.region_id)
    return qs.aggregate(incoming=Count("id", filter=mine_in), outgoing=Count("id", filter=mine_out & ~mine_in))


def disaster_list(user) -> QuerySet:
    return restrict(DisasterEvent.objects.select_related("region").annotate(
        household_count=Count("households", distinct=True)), user)


def disaster_get(user, pk) -> DisasterEvent:
    return get_scoped_or_404(DisasterEvent.objects.select_related("region"), user, pk=pk)


def affected_list(user) -> QuerySet:
    return restrict(AffectedHousehold.objects.select_related("event", "person", "household", "region")
                    .annotate(aid_total=Coalesce(Sum("aids__amount", filter=Q(aids__status__in=(
                        TemporaryAid.Status.PAID, TemporaryAid.Status.GRANTED))), 0)), user)


def affected_get(user, pk) -> AffectedHousehold:
    return get_scoped_or_404(AffectedHousehold.objects.select_related("event", "person", "household"), user, pk=pk)


def disaster_figures(user, *, region: str, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """The disaster-relief figures (aggregate queries): events, affected households and people, emergency
    and transition aid (person-times, yuan), reviews by outcome."""
    events = restrict(DisasterEvent.objects.all(), user).filter(_in("region_id", region))
    if start and end:
        events = events.filter(occurred_on__lte=end, transition_ends_on__gte=start)
    affected = restrict(AffectedHousehold.objects.all(), user).filter(_in("region_id", region), event__in=events)
    out = affected.aggregate(
        households=Count("id"), people=Coalesce(Sum("people"), 0),
        collapsed=Count("id", filter=Q(damage=AffectedHousehold.Damage.COLLAPSED)),
        review_open=Count("id", filter=Q(review=AffectedHousehold.Review.OPEN)),
        to_dibao=Count("id", filter=Q(outcome=AffectedHousehold.Outcome.DIBAO)),
        to_tekun=Count("id", filter=Q(outcome=AffectedHousehold.Outcome.TEKUN)),
        to_temporary=Count("id", filter=Q(outcome=AffectedHousehold.Outcome.TEMPORARY)),
        no_need=Count("id", filter=Q(outcome=AffectedHousehold.Outcome.NO_NEED)),
    )
    out["events"] = events.count()
    paid = (TemporaryAid.Status.PAID, TemporaryAid.Status.GRANTED)
    aids = restrict(TemporaryAid.objects.all(), user).filter(disaster_household__in=affected, status__in=paid)
    out.update(aids.aggregate(
        emergency_times=Count("id", filter=Q(kind=TemporaryAid.Kind.EMERGENCY)),
        emergency_amount=Coalesce(Sum("amount", filter=Q(kind=TemporaryAid.Kind.EMERGENCY)), 0),
        transition_times=Count("id", filter=Q(kind=TemporaryAid.Kind.TRANSITION)),
        transition_amount=Coalesce(Sum("amount", filter=Q(kind=TemporaryAid.Kind.TRANSITION)), 0),
    ))
    return out


def sms_list(user) -> QuerySet:
    return restrict(Notice.objects.select_related("person"), user)


def sms_get(user, pk) -> Notice:
    return get_scoped_or_404(sms_list(user), user, pk=pk)


def household_casework(user, household) -> dict:
    """What casework holds about one household (its page): aids, visits, discovery tasks, disaster entries."""
    return {
        "aids": temporary_aid_list(user).filter(household=household).order_by("-id")[:50],
        "visits": visit_list(user).filter(household=household)[:20],
        "tasks": discovery_list(user).filter(household=household).order_by("-id")[:20],
        "disasters": affected_list(user).filter(household=household)[:20],
        "sms": sms_list(user).filter(household=household)[:50],
    }


def shelter_list(user) -> QuerySet:
    return restrict(Shelter.objects.select_related("region"), user)


def shelter_get(user, pk) -> Shelter:
    return get_scoped_or_404(Shelter.objects.select_related("region"), user, pk=pk)


def stay_list(user) -> QuerySet:
    return restrict(ShelterStay.objects.select_related("shelter", "person", "unidentified", "checked_in_by"), user)


def stay_get(user, pk) -> ShelterStay:
    return get_scoped_or_404(stay_list(user), user, pk=pk)


def occupancy_history(shelter: Shelter, *, days: int = 14, today: dt.date | None = None) -> list[dict]:
    """Per day of the last `days`: check-ins, check-outs and the people staying at the day's end
    (aggregate queries: one for the start level, one grouped by day each for ins and outs)."""
    today = today or timezone.localdate()
    first = today - dt.timedelta(days=days - 1)
    s_at, _e = _moment_range(first, today)
    stays = ShelterStay.objects.filter(shelter=shelter)
    level = stays.filter(checked_in_at__lt=s_at).exclude(checked_out_at__lt=s_at).count()
    ins = dict(stays.filter(checked_in_at__gte=s_at).annotate(d=TruncDate("checked_in_at"))
               .values("d").annotate(n=Count("id")).values_list("d", "n"))
    outs = dict(stays.filter(checked_out_at__gte=s_at).annotate(d=TruncDate("checked_out_at"))
                .values("d").annotate(n=Count("id")).values_list("d", "n"))
    out = []
    for i in range(days):
        day = first + dt.timedelta(days=i)
        level += ins.get(day, 0) - outs.get(day, 0)
        out.append({"day": day, "in": ins.get(day, 0), "out": outs.get(day, 0), "staying": level})
    return out


def patrol_compliance(user, *, region: str, start: dt.date, end: dt.date) -> list[dict]:
    """Patrols done per day against the expectation (the region's usual number, raised by cold-wave
    alerts): done counted in one grouped query; the expectation per day from policy and alerts. At most
    the last 92 days of the period."""
    start = max(start, end - dt.timedelta(days=91))
    s_at, e_at = _moment_range(start, end)
    done = dict(restrict(Patrol.objects.all(), user).filter(_in("region_id", region), started_at__gte=s_at,
                                                          started_at__lt=e_at)
                .annotate(d=TruncDate("started_at")).values("d").annotate(n=Count("id")).values_list("d", "n"))
    base = region_policy(region).patrols_per_day
    alerts = list(ColdWaveAlert.objects.filter(region_id__in=ancestor_codes(region), starts_on__lte=end,
                                               ends_on__gte=start).values("starts_on", "ends_on", "patrols_per_day",
                                                                          "level"))
    out = []
    day = start
    while day <= end:
        covering = [a for a in alerts if a["starts_on"] <= day <= a["ends_on"]]
        expected = max([base] + [a["patrols_per_day"] for a in covering])
        n = done.get(day, 0)
        out.append({"day": day, "done": n, "expected": expected, "alert": bool(covering), "short": n < expected})
        day += dt.timedelta(days=1)
    return out


def staff_choices(user) -> QuerySet:
    """Civil-affairs staff of the user's region and below (the patrol crew to pick from)."""
    from portal.models import User
    from portal.roles import CIVIL_STAFF
    qs = User.objects.filter(role__in=CIVIL_STAFF, is_active=True).order_by("username")
    if user.is_portal_admin or user.region_id is None:
        return qs if user.is_portal_admin else qs.none()
    return qs.filter(region_q("region_id", user.region_id))


def policy_list(user) -> QuerySet:
    return restrict(RegionPolicy.objects.select_related("region"), user)


def fast_track_list(user) -> QuerySet:
    return restrict(FastTrackPeriod.objects.select_related("region"), user)


def inventory_list(user) -> QuerySet:
    return restrict(Inventory.objects.select_related("region"), user)


def patrol_list(user) -> QuerySet:
    return restrict(Patrol.objects.select_related("region", "leader").annotate(encounter_count=Count("encounters")),
                    user)


def patrol_get(user, pk) -> Patrol:
    return get_scoped_or_404(Patrol.objects.select_related("region", "leader", "inventory")
                             .prefetch_related("crew__user"), user, pk=pk)


def encounter_list(user) -> QuerySet:
    return restrict(Encounter.objects.select_related("person", "unidentified", "shelter", "patrol"), user)


def unidentified_list(user) -> QuerySet:
    return restrict(UnidentifiedPerson.objects.select_related("region", "person")
                    .annotate(encounter_count=Count("encounters")), user)


def unidentified_get(user, pk) -> UnidentifiedPerson:
    return get_scoped_or_404(UnidentifiedPerson.objects.all(), user, pk=pk)


def alert_list(user) -> QuerySet:
    return restrict(ColdWaveAlert.objects.select_related("region"), user)


def expected_patrols(region_code: str, on: dt.date) -> int:
    """Patrols expected per day: the region's usual number, raised by any cold-wave alert covering it."""
    base = region_policy(region_code).patrols_per_day
    alert = (ColdWaveAlert.objects.filter(region_id__in=ancestor_codes(region_code), starts_on__lte=on, ends_on__gte=on)
             .order_by("-patrols_per_day").values_list("patrols_per_day", flat=True).first())
    return max(base, alert or 0)


def visit_list(user) -> QuerySet:
    return restrict(Visit.objects.select_related("household", "visitor", "region"), user)


def discovery_list(user) -> QuerySet:
    return restrict(DiscoveryTask.objects.select_related("person", "household", "region"), user)


def discovery_get(user, pk) -> DiscoveryTask:
    return get_scoped_or_404(discovery_list(user), user, pk=pk)


def home_region_of(person) -> str | None:
    """The person's home region: their current household's region, else the ID number's first 6 digits
    (or its city / province when that county code no longer exists)."""
    code = (Member.objects.filter(person=person, left_on__isnull=True)
            .values_list("household__region_id", flat=True).first())
    if code:
        return code
    codes = ancestor_codes(person.id_number_masked[:6])
    existing = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    return next((c for c in codes if c in existing), None)


# --------------------------------------------------------------------------- reports


def _in(path: str, code: str) -> Q:
    return region_q(path, code)


def report(user, *, region: str, start: dt.date, end: dt.date) -> dict:
    """The seed's figures for `region` (must be within the user's scope) and [start, end], every one an
    aggregate query over the scoped querysets (no per-row Python)."""
    apps = restrict(Application.objects.all(), user).filter(_in("region_id", region),
                                                            received_on__gte=start, received_on__lte=end)
    app_totals = apps.aggregate(
        received=Count("id"),
        confirmed=Count("id", filter=Q(status=Application.Status.CONFIRMED)),
        rejected=Count("id", filter=Q(status=Application.Status.REJECTED)),
        pending=Count("id", filter=Q(status__in=Application.OPEN)),
    )
    aids = restrict(TemporaryAid.objects.all(), user).filter(
        _in("region_id", region), granted_on__gte=start, granted_on__lte=end,
        status__in=(TemporaryAid.Status.PAID, TemporaryAid.Status.GRANTED))
    aid_totals = aids.aggregate(
        person_times=Count("id"),
        persons=Count("person_id", distinct=True),
        cash=Coalesce(Sum("amount", filter=Q(form=TemporaryAid.Form.CASH)), 0),
        in_kind=Coalesce(Sum("amount", filter=Q(form=TemporaryAid.Form.IN_KIND)), 0),
        fast_track=Count("id", filter=Q(fast_track=True)),
        non_resident=Count("id", filter=Q(non_resident=True)),
    )
    s_at, e_at = _moment_range(start, end)
    encounters = restrict(Encounter.objects.all(), user).filter(_in("region_id", region), at__gte=s_at, at__lt=e_at)
    enc_totals = encounters.aggregate(
        person_times=Count("id"),
        food=Coalesce(Sum("food"), 0), clothing=Coalesce(Sum("clothing"), 0), bedding=Coalesce(Sum("bedding"), 0),
        sheltered=Count("id", filter=Q(outcome=Encounter.Outcome.SHELTER)),
        escorted=Count("id", filter=Q(outcome=Encounter.Outcome.ESCORTED)),
    )
    patrols = restrict(Patrol.objects.all(), user).filter(_in("region_id", region), started_at__gte=s_at,
                                                          started_at__lt=e_at)
    patrol_totals = patrols.aggregate(patrols=Count("id"), vehicles_sent=Coalesce(Sum("vehicles_sent"), 0))
    patrol_totals["patrol_person_times"] = restrict(PatrolMember.objects.all(), user).filter(
        _in("region_id", region), patrol__started_at__gte=s_at, patrol__started_at__lt=e_at).count()
    compliance = patrol_compliance(user, region=region, start=start, end=end)
    patrol_totals["patrols_expected"] = sum(c["expected"] for c in compliance)
    patrol_totals["days_short"] = sum(1 for c in compliance if c["short"])
    stays = restrict(ShelterStay.objects.all(), user).filter(_in("region_id", region))
    stay_totals = stays.aggregate(
        check_ins=Count("id", filter=Q(checked_in_at__gte=s_at, checked_in_at__lt=e_at)),
        check_outs=Count("id", filter=Q(checked_out_at__gte=s_at, checked_out_at__lt=e_at)),
        staying=Count("id", filter=Q(checked_out_at__isnull=True)),
    )
    shelters = restrict(Shelter.objects.all(), user).filter(_in("region_id", region), opened_on__lte=end)
    shelter_totals = shelters.aggregate(
        points=Count("id"), capacity=Coalesce(Sum("capacity"), 0), occupancy=Coalesce(Sum("occupancy"), 0),
        warming=Count("id", filter=Q(kind=Shelter.Kind.WARMING)),
        stations=Count("id", filter=Q(kind=Shelter.Kind.STATION)),
        guides=Count("id", filter=Q(kind=Shelter.Kind.GUIDE)),
    )
    visits = restrict(Visit.objects.all(), user).filter(_in("region_id", region), visited_on__gte=start,
                                                        visited_on__lte=end)
    visit_totals = visits.aggregate(visits=Count("id"), households=Count("household_id", distinct=True),
                                    cash=Coalesce(Sum("cash"), 0))
    by_region = list(aids.values("region_id", name=F("region__name"))
                     .annotate(person_times=Count("id"), amount=Coalesce(Sum("amount"), 0)).order_by("region_id"))
    enc_by_region = list(encounters.values("region_id", name=F("region__name"))
                         .annotate(person_times=Count("id")).order_by("region_id"))
    by_kind = list(aids.values("kind").annotate(person_times=Count("id"), amount=Coalesce(Sum("amount"), 0))
                   .order_by("kind"))
    return {
        "region": region, "start": start, "end": end,
        "applications": app_totals,
        "temporary_aid": aid_totals,
        "street": {**enc_totals, **patrol_totals, "items": enc_totals["food"] + enc_totals["clothing"]
                   + enc_totals["bedding"]},
        "shelters": {**shelter_totals, **stay_totals},
        "disaster": disaster_figures(user, region=region, start=start, end=end),
        "visits": visit_totals,
        "aid_by_region": by_region,
        "encounters_by_region": enc_by_region,
        "aid_by_kind": by_kind,
    }


def _moment_range(start: dt.date, end: dt.date):
    tz = timezone.get_default_timezone()
    s = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    e = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return s, e


def region_within(code: str, ancestor: str) -> bool:
    lo, hi = code_range(ancestor)
    return lo <= code <= hi
