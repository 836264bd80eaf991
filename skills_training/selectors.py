"""Reads. Staff reads start from `portal.scoping.restrict`; the public verification reads are public by design."""

from django.conf import settings
from django.core import signing
from django.db.models import Count, Q, Sum

from portal.scoping import restrict

from .models import (
    Assessment,
    Certificate,
    ClassEnrolment,
    Competition,
    EmploymentFollowUp,
    Referral,
    Sitting,
    TrainingClass,
    TrainingInstitution,
)

QR_SALT = "skills_training.certificate-qr"


def sitting_list(user):
    return restrict(Sitting.objects.select_related("level", "institution"), user).annotate(
        candidate_count=Count("assessments")).order_by("-sat_on", "-id")


def certificate_list(user):
    return restrict(Certificate.objects.select_related("level", "region"), user)


def assessment_list(user):
    return restrict(Assessment.objects.select_related("level", "institution", "certificate"), user)


def institution_list(user):
    return restrict(TrainingInstitution.objects.select_related("region"), user).annotate(
        class_count=Count("classes", distinct=True)).order_by("code")


def class_list(user):
    return restrict(TrainingClass.objects.select_related("institution", "level"), user).annotate(
        enrolled=Count("enrolments", distinct=True),
        completed_count=Count("enrolments", filter=Q(enrolments__completed=True), distinct=True)
    ).order_by("-starts_on", "id")


def enrolment_list(user):
    return restrict(ClassEnrolment.objects.select_related("person", "training_class"), user)


# --- public verification (no login): only number + name, or number + a signed QR token, find a row.

def certificate_verify(number: str, name: str) -> Certificate | None:
    """The certificate whose number AND holder name both match, else None (the caller answers 404)."""
    number = (number or "").strip().upper()
    name = (name or "").strip()
    if not number or not name:
        return None
    return Certificate.objects.select_related("level").filter(number=number, holder_name=name).first()


def _qr_signer() -> signing.Signer:
    return signing.Signer(salt=QR_SALT, fallback_keys=settings.SECRET_KEY_FALLBACKS)


def qr_token(number: str) -> str:
    """HMAC of the number (django.core.signing, keyed by SECRET_KEY): the QR link proves possession
    of the printed certificate without putting the holder's name in the URL."""
    return _qr_signer().signature(number)


def qr_token_valid(number: str, token: str) -> bool:
    """Signed with SECRET_KEY or any of SECRET_KEY_FALLBACKS: rotating the key keeps printed QR codes valid
    as long as the old key stays listed in DJANGO_SECRET_KEY_FALLBACKS."""
    if not number or not token:
        return False
    signer = _qr_signer()
    try:
        return signer.unsign(f"{number}{signer.sep}{token}") == number
    except signing.BadSignature:
        return False


def certificate_by_qr(number: str, token: str) -> Certificate | None:
    number = (number or "").strip().upper()
    if not qr_token_valid(number, token):
        return None
    return Certificate.objects.select_related("level").filter(number=number).first()


def competition_list(user):
    return restrict(Competition.objects.select_related("region", "organiser"), user).annotate(
        entry_count=Count("entries")).order_by("-held_on", "-id")


def followup_list(user):
    return restrict(EmploymentFollowUp.objects.select_related("certificate__level", "person"), user)


def employment_outcomes_for_person(person_id: int):
    """For other apps (assistance's re-verification): a person's follow-ups, newest first. The caller
    decides who may see them (its own household scope); this selector returns outcome facts only."""
    return EmploymentFollowUp.objects.filter(person_id=person_id).values(
        "followed_on", "outcome", "employer", "income_before", "income_after").order_by("-followed_on")


def brand_dashboard(user) -> dict:
    """Figures for the labour-brand dashboard ("亳州养生"), all from scoped querysets, a fixed number of queries."""
    certs = certificate_list(user)
    by_level = dict(certs.filter(status=Certificate.Status.VALID).values_list("level__number").annotate(n=Count("id"))
                    .values_list("level__number", "n"))
    rates = list(assessment_list(user).filter(institution__isnull=False).values("institution__name")
                 .annotate(total=Count("id"), passed=Count("id", filter=Q(passed=True))).order_by("institution__name"))
    followups = followup_list(user)
    outcomes = dict(followups.values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n"))
    totals = followups.aggregate(n=Count("id"), people=Count("person", distinct=True), jobs=Sum("jobs_created"),
                                 before=Sum("income_before"), after=Sum("income_after"))
    working = sum(n for outcome, n in outcomes.items() if outcome != EmploymentFollowUp.Outcome.NOT_WORKING)
    return {
        "trainee_times": enrolment_list(user).count(),
        "certificates": sum(by_level.values()),
        "by_level": {n: by_level.get(n, 0) for n in (5, 4, 3, 2, 1)},
        "pass_rates": [{**r, "rate": round(100 * r["passed"] / r["total"], 1) if r["total"] else 0} for r in rates],
        "outcomes": outcomes,
        "followups": totals["n"],
        "employment_rate": round(100 * working / totals["n"], 1) if totals["n"] else 0,
        "jobs": totals["jobs"] or 0,
        "jobs_per_maker": round((totals["jobs"] or 0) / totals["people"], 1) if totals["people"] else 0,
        "income_gain": ((totals["after"] or 0) - (totals["before"] or 0)) // totals["n"] if totals["n"] else 0,
    }


def referral_list(user):
    return restrict(Referral.objects.select_related("person", "referred_by"), user)


def referral_outcomes(person_ids) -> dict:
    """Training, certificate and latest follow-up per referred person (ids come from `referral_list`, so
    the caller only learns about people its own region referred). Three queries whatever the count."""
    person_ids = list(person_ids)
    result = {pid: {"enrolments": [], "certificates": [], "followup": None} for pid in person_ids}
    for e in ClassEnrolment.objects.filter(person_id__in=person_ids).select_related("training_class"):
        result[e.person_id]["enrolments"].append(e)
    for c in Certificate.objects.filter(holder_id__in=person_ids).select_related("level").order_by("issued_on"):
        result[c.holder_id]["certificates"].append(c)
    for f in EmploymentFollowUp.objects.filter(person_id__in=person_ids).order_by("followed_on", "id"):
        result[f.person_id]["followup"] = f
    return result


def referred_person_ids(user) -> set:
    return set(referral_list(user).values_list("person_id", flat=True))


def assessor_list(user):
    from .models import Assessor

    return restrict(Assessor.objects.select_related("region", "institution"), user).order_by("name", "id")


# ---------------------------------------------------------------- the labour brand 亳州养生

def brand_trade_list(user):
    from .models import BrandTrade

    return restrict(BrandTrade.objects.select_related("standard", "region"), user).order_by("position", "id")


def brand_event_list(user):
    from .models import BrandEvent

    return restrict(BrandEvent.objects.select_related("region").prefetch_related("trades"), user).order_by(
        "-held_on", "-id")


def pilot_region_list(user):
    from .models import PilotRegion

    return restrict(PilotRegion.objects.select_related("region", "standard"), user).order_by("region_id")


def brand_figures(user) -> dict:
    """The brand beside the employment follow-up: each trade with its standard and its follow-ups (people,
    jobs created), the events by kind (how many, participants, deals, amount, jobs) and the pilot regions.
    GROUP BY queries over scoped querysets: a fixed number whatever the row count."""
    from .models import BrandEvent

    trades = list(brand_trade_list(user))
    follow = {r["brand"]: r for r in followup_list(user).values("brand").annotate(
        n=Count("id"), people=Count("person", distinct=True), jobs=Sum("jobs_created")).order_by()}
    for t in trades:
        row = follow.get(t.code) or {}
        t.followups, t.people, t.jobs = row.get("n", 0), row.get("people", 0), row.get("jobs") or 0
    labels = dict(BrandEvent.Kind.choices)
    by_kind = [{"kind": r["kind"], "label": labels.get(r["kind"], r["kind"]), "events": r["n"],
                "participants": r["participants"] or 0, "deals_signed": r["deals"] or 0,
                "deal_amount": r["amount"] or 0, "jobs_offered": r["jobs"] or 0}
               for r in brand_event_list(user).values("kind").annotate(
                   n=Count("id"), participants=Sum("participants"), deals=Sum("deals_signed"),
                   amount=Sum("deal_amount"), jobs=Sum("jobs_offered")).order_by("kind")]
    return {"trades": trades, "events_by_kind": by_kind,
            "events": sum(k["events"] for k in by_kind), "jobs_offered": sum(k["jobs_offered"] for k in by_kind),
            "recent_events": list(brand_event_list(user)[:5]), "pilots": list(pilot_region_list(user))}


def assessors_named(sitting) -> list:
    """The register entries (考评员名册) of a sitting's assessor group, matched by name in its province, as
    the score import matches them."""
    from .models import Assessor

    return list(Assessor.objects.filter(name__in=sitting.assessors,
                                        region__code__startswith=sitting.region_id[:2]))
