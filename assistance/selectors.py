"""Every read of winter relief starts from the scoping gate."""

import datetime as dt
import re

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.charts import percent
from portal.models import Person, Region
from portal.scoping import can_see_model, region_in_scope, restrict
from portal.selectors import person_search, person_search_q

from .filters import households_with_last4, region_bounds
from .models import (
    AccountChange,
    Allocation,
    Asset,
    AssistanceRule,
    BankFile,
    Batch,
    Campaign,
    Category,
    Enrolment,
    Household,
    HouseholdEnrolment,
    HouseholdTally,
    IncomeItem,
    MeansTest,
    Member,
    Payment,
    PaymentTally,
    Reconciliation,
    Scheme,
    Standard,
)


def _id_fragment_q(text: str, prefix: str = "") -> Q:
    """A search for part of an ID number, answered from indexed columns without decrypting: the last
    four characters (``id_last4``) or the region prefix kept by the masked form (up to six digits)."""
    if re.fullmatch(r"\d{3}[\dX]", text):
        return Q(**{f"{prefix}id_last4": text})
    if re.fullmatch(r"\d{1,6}", text):
        return Q(**{f"{prefix}id_number_masked__startswith": text})
    return Q(pk__in=[])


def household_list(user, *, search: str = "") -> QuerySet:
    """Households in scope, newest first. The member count is a correlated subquery (no GROUP BY over
    the whole table), so a page costs the same at a million households. A full ID number is looked up
    by its HMAC's unique index; four characters (digits, the last may be X: how a number's end is read
    out) by the indexed last four of the current members only, so the search starts from the
    ``person_id_last4_idx`` rows, not from the households; up to six digits by the region prefix the
    masked form keeps."""
    current = Member.objects.filter(household=OuterRef("pk"), left_on__isnull=True)
    qs = restrict(Household.objects.all(), user).select_related("region", "head").annotate(
        member_count=Subquery(current.order_by().values("household").annotate(n=Count("id")).values("n")[:1]))
    search = person_search(search)
    if search.kind == "id":
        qs = qs.filter(Exists(current.filter(person__id_number=search.value)))
    elif search.kind == "last4":
        qs = qs.filter(households_with_last4(search.value))
    elif search.kind == "name":
        text, number = search.value, search.value.upper()
        qs = qs.filter(
            Q(address__icontains=text)
            | Exists(current.filter(Q(person__name__icontains=text)
                                    | Q(person__name_pinyin__icontains=text.lower())
                                    | _id_fragment_q(number, "person__")))
        )
    return qs.order_by("-id")


def household_count(user, *, search: str = "", area: str = "", region: str = "") -> int | None:
    """How many households `household_list(user)` filtered by area and region holds, read from the tally
    the database keeps (a few thousand rows at most, whatever the number of households). None when a
    search is given or the database keeps no tally (not PostgreSQL): the caller counts the rows."""
    if (search or "").strip() or connection.vendor != "postgresql":
        return None
    qs = restrict(HouseholdTally.objects.all(), user)
    if area:
        qs = qs.filter(area=area)
    bounds = region_bounds(region)
    if bounds is not None:
        qs = qs.filter(region_id__gte=bounds[0], region_id__lte=bounds[1])
    return qs.aggregate(n=Sum("households"))["n"] or 0


def household_get(user, pk) -> Household:
    try:
        return restrict(Household.objects.all(), user).select_related("region", "head", "locality__parent").get(pk=pk)
    except (Household.DoesNotExist, ValueError):
        raise Http404 from None


def household_members(household: Household) -> QuerySet:
    return household.members.select_related("person").order_by("left_on", "id")


def enrolment_list(user) -> QuerySet:
    return restrict(Enrolment.objects.all(), user).select_related("person", "region")


def campaign_list(user) -> QuerySet:
    """Campaigns are labels shared by every region: civil-affairs staff see them all."""
    return Campaign.objects.all() if can_see_model(user, Scheme) else Campaign.objects.none()


def _ancestor_codes(code: str) -> list[str]:
    return [c for c in {code[:2] + "0000", code[:4] + "00"} if c != code]


def scheme_list(user) -> QuerySet:
    """Schemes in the user's region and below, plus those of the regions above it (a provincial
    scheme is carried out by its cities and districts)."""
    base = Scheme.objects.select_related("region", "campaign")
    qs = restrict(base, user)
    if can_see_model(user, Scheme) and not user.is_portal_admin and user.region_id:
        qs = qs | base.filter(region_id__in=_ancestor_codes(user.region_id))
    return qs.order_by("-id")


def scheme_get(user, pk) -> Scheme:
    try:
        return scheme_list(user).get(pk=pk)
    except (Scheme.DoesNotExist, ValueError):
        raise Http404 from None


def batch_list(user) -> QuerySet:
    return restrict(Batch.objects.all(), user).select_related("scheme", "region", "created_by", "approved_by")


def batch_get(user, pk) -> Batch:
    try:
        return batch_list(user).get(pk=pk)
    except (Batch.DoesNotExist, ValueError):
        raise Http404 from None


def batch_payments(user, batch: Batch, *, status: str = "", search: str = "") -> QuerySet:
    qs = restrict(Payment.objects.filter(batch=batch), user).select_related("region")
    if status:
        qs = qs.filter(status=status)
    search = (search or "").strip()
    if search:
        qs = qs.filter(payment_search_q(batch, search))
    return qs.order_by("id")


PAYMENT_SEARCH_PEOPLE = 200
# people sharing four last characters: about one in ten thousand, so a few hundred at ten million people
PAYMENT_SEARCH_LAST4_PEOPLE = 5000


def payment_search_q(batch: Batch, search: str) -> Q:
    """A batch's payments of a person named `search` (the whole name), holding the full ID number `search`,
    or whose ID number ends with the four characters `search`. The people are found first through the
    person registry's indexes (unique ID number HMAC; name; last four), then their payments through the
    payment's (scheme, period, person|household) indexes, so a search costs the same in a batch of a
    million. Household payments are found through the household's members."""
    search_ = person_search(search)
    if search_.kind == "id":
        people, cap = Person.objects.filter(id_number=search_.value), PAYMENT_SEARCH_PEOPLE
    elif search_.kind == "last4":
        people, cap = Person.objects.filter(id_last4=search_.value), PAYMENT_SEARCH_LAST4_PEOPLE
    elif search_.kind == "name":
        people, cap = Person.objects.filter(name=search_.value), PAYMENT_SEARCH_PEOPLE
    else:
        return Q()
    person_ids = list(people.order_by().values_list("id", flat=True)[:cap])
    if not person_ids:
        return Q(pk__in=[])
    if batch.scheme.unit == Scheme.Unit.PERSON:
        return Q(scheme_id=batch.scheme_id, person_id__in=person_ids)
    # a household scheme pays the household (no person): found by the households the people belong to,
    # through the household index only (an OR with "person is null" would read every household payment)
    households = list(Member.objects.filter(person_id__in=person_ids).order_by().values_list("household_id", flat=True)
                      .distinct()[:cap])
    return Q(scheme_id=batch.scheme_id, person__isnull=True, household_id__in=households)


def batch_payments_count(user, batch: Batch, *, status: str = "") -> int | None:
    """len(batch_payments(...)) from the payment tally (None: count the rows)."""
    return payment_count(user, Q(batch=batch, status=status) if status else Q(batch=batch))


def payment_get(user, pk) -> Payment:
    try:
        return restrict(Payment.objects.all(), user).select_related("batch").get(pk=pk)
    except (Payment.DoesNotExist, ValueError):
        raise Http404 from None


def payment_totals(where: Q, group_by: list[str], user=None) -> list[dict]:
    """Non-cancelled payments matching `where` (on batch, scheme, region, category or status), grouped by
    `group_by`: count, total, paid, paid_amount. From the payment tally the database keeps (PostgreSQL:
    a few hundred rows a batch, whatever its size), else by grouping the payments. `user`: only what
    they may see."""
    paid = Q(status=Payment.Status.PAID)
    if connection.vendor == "postgresql":
        qs = PaymentTally.objects.filter(where).exclude(payments=0)  # keys every payment has left
        annotations = dict(count=Sum("payments"), total=Sum("amount"), paid=Sum("payments", filter=paid),
                           paid_amount=Sum("amount", filter=paid))
    else:
        qs = Payment.objects.filter(where)
        annotations = dict(count=Count("id"), total=Sum("amount"), paid=Count("id", filter=paid),
                           paid_amount=Sum("amount", filter=paid))
    if user is not None:
        qs = restrict(qs, user)
    rows = list(qs.exclude(status=Payment.Status.CANCELLED).values(*group_by).annotate(**annotations)
                .order_by(*group_by))
    for r in rows:
        r["paid"], r["paid_amount"] = r["paid"] or 0, r["paid_amount"] or 0
    return rows


def payment_count(user, where: Q) -> int | None:
    """How many payments (any status) `restrict_payments(user).filter(where)` holds, from the tally; None
    where the database keeps none (the caller counts the rows). `where` may use batch and status."""
    if connection.vendor != "postgresql":
        return None
    return restrict(PaymentTally.objects.filter(where), user).aggregate(n=Sum("payments"))["n"] or 0


def batch_totals_by_district(batch: Batch) -> list[dict]:
    rows = [{**r, "amount": r["total"]} for r in payment_totals(Q(batch=batch), ["region_id"])]
    names = dict(Region.objects.filter(code__in=[r["region_id"] for r in rows]).values_list("code", "name"))
    for r in rows:
        r["name"] = names.get(r["region_id"], r["region_id"])
    return rows


def batch_totals_by_category(batch: Batch) -> list[dict]:
    labels = dict(Category.choices)
    rows = [{**r, "amount": r["total"]} for r in payment_totals(Q(batch=batch), ["category"])]
    for r in rows:
        r["label"] = labels.get(r["category"], r["category"])
    return rows


def batch_payment_rows_for_bank(batch: Batch):
    return (Payment.objects.filter(batch=batch, status=Payment.Status.PENDING).order_by("id")
            .values("id", "name", "id_number_enc", "amount", "attempts", "household__bank_account_enc")
            .iterator(chunk_size=5000))


def restrict_payments(user) -> QuerySet:
    return restrict(Payment.objects.all(), user)


def deadline_progress(user) -> list[dict]:
    """Per scheme and district (within the user's scope): recipients, paid, yuan, % paid, overdue.

    One grouped query over the payments the user may see, plus the scheme and region names."""
    schemes = {s.pk: s for s in scheme_list(user)}
    rows = payment_totals(Q(scheme_id__in=list(schemes)), ["scheme_id", "region_id"], user=user)
    names = dict(Region.objects.filter(code__in={r["region_id"] for r in rows}).values_list("code", "name"))
    today = timezone.localdate()
    out = []
    for pk, scheme in schemes.items():
        districts = []
        for r in (r for r in rows if r["scheme_id"] == pk):
            pct = int(r["paid"] * 100 / r["count"]) if r["count"] else 0
            districts.append({**r, "name": names.get(r["region_id"], r["region_id"]), "percent": pct,
                              "paid_amount": r["paid_amount"] or 0,
                              "overdue": scheme.deadline < today and pct < 100})
        days_left = (scheme.deadline - today).days if isinstance(scheme.deadline, dt.date) else None
        out.append({"scheme": scheme, "districts": districts, "days_left": days_left,
                    "budget_percent": percent(scheme.paid + scheme.reserved, scheme.budget),
                    "overdue": scheme.deadline < today and (not districts or any(d["overdue"] for d in districts))})
    return out


def district_progress(user, scheme: Scheme, region_code: str) -> dict:
    """One district's side of a scheme's progress: its batches with their recipients, paid and yuan (one
    grouped query over the payments the user may see). A district outside the user's scope, or one without
    payments of the scheme, is absent (404)."""
    region = Region.objects.filter(code=region_code).first()
    if region is None or not region_in_scope(user, region_code):
        raise Http404
    rows = payment_totals(Q(scheme_id=scheme.pk, region_id=region_code), ["batch_id"], user=user)
    if not rows:
        raise Http404
    batches = {b.pk: b for b in batch_list(user).filter(pk__in=[r["batch_id"] for r in rows])}
    lines = []
    for r in rows:
        if r["batch_id"] in batches:
            lines.append({**r, "batch": batches[r["batch_id"]], "percent": percent(r["paid"], r["count"], 1)})
    count, paid = sum(r["count"] for r in lines), sum(r["paid"] for r in lines)
    return {"scheme": scheme, "region": region, "batches": lines, "count": count, "paid": paid,
            "total": sum(r["total"] or 0 for r in lines), "paid_amount": sum(r["paid_amount"] for r in lines),
            "percent": percent(paid, count, 1)}


def duplicate_hints(persons) -> dict[int, list]:
    """Possible duplicates: other registered people with the same birth date and the same name, also
    compared in pinyin (张伟/章伟 both 'zhang wei'). {person_id: [Person, ...]} in one query."""
    persons = [p for p in persons if p.name_pinyin or p.name]
    if not persons:
        return {}
    q = Q()
    for p in persons:
        q |= Q(birth_date=p.birth_date) & (Q(name_pinyin=p.name_pinyin) if p.name_pinyin else Q(name=p.name))
    others = list(Person.objects.filter(q).exclude(pk__in=[p.pk for p in persons])[:50])
    out: dict[int, list] = {}
    for p in persons:
        matches = [o for o in others if o.birth_date == p.birth_date
                   and ((p.name_pinyin and o.name_pinyin == p.name_pinyin) or o.name == p.name)]
        if matches:
            out[p.pk] = matches
    return out


def account_changes_pending(user):
    """Account changes waiting for a second person, in the user's scope."""
    return restrict(AccountChange.objects.filter(status=AccountChange.Status.PENDING), user) \
        .select_related("household", "requested_by").order_by("id")


def batch_bank_view(user, batch) -> dict:
    """The bank side of a batch page: its newest reconciliation and its exchanged files."""
    return {
        "reconciliation": restrict(Reconciliation.objects.filter(batch=batch), user).first(),
        "bank_files": list(restrict(BankFile.objects.filter(batch=batch), user).order_by("-id")[:50]),
    }


# --------------------------------------------------------------------------- monthly assistance


def household_monthly_view(user, household: Household) -> dict:
    """The monthly-assistance side of a household page: income, assets, means tests, household enrolments."""
    return {
        "income_items": list(restrict(IncomeItem.objects.filter(household=household), user)
                             .select_related("member__person")),
        "assets": list(restrict(Asset.objects.filter(household=household), user)),
        "means_tests": list(restrict(MeansTest.objects.filter(household=household), user).order_by("-id")[:5]),
        "household_enrolments": list(restrict(HouseholdEnrolment.objects.filter(household=household), user)
                                     .order_by("-id")),
    }


def means_test_get(user, pk) -> MeansTest:
    try:
        return restrict(MeansTest.objects.all(), user).select_related("household", "region", "created_by").get(pk=pk)
    except (MeansTest.DoesNotExist, ValueError):
        raise Http404 from None


def household_enrolment_get(user, pk) -> HouseholdEnrolment:
    try:
        return restrict(HouseholdEnrolment.objects.all(), user).select_related("household").get(pk=pk)
    except (HouseholdEnrolment.DoesNotExist, ValueError):
        raise Http404 from None


def standards_view(user) -> dict:
    """Standards and rules of the user's region, the regions above it (which apply to it) and below it."""
    def visible(model):
        qs = restrict(model.objects.all(), user)
        if can_see_model(user, model) and not user.is_portal_admin and user.region_id:
            qs = qs | model.objects.filter(region_id__in=_ancestor_codes(user.region_id))
        return qs.select_related("region")

    return {"standards": list(visible(Standard).order_by("region_id", "kind", "area", "care_level",
                                                          "-effective_from")[:500]),
            "rules": list(visible(AssistanceRule).order_by("region_id", "-effective_from")[:200])}


def reviews_due(user, *, on: dt.date | None = None, within_days: int = 30) -> QuerySet:
    """Household enrolments (not stopped) whose review is due by `on` + `within_days`, most overdue first."""
    on = on or timezone.localdate()
    return restrict(HouseholdEnrolment.objects.exclude(status=HouseholdEnrolment.Status.STOPPED)
                    .filter(review_due__lte=on + dt.timedelta(days=within_days)), user) \
        .select_related("household", "household__head", "region").order_by("review_due", "id")


def reviews_overdue_count(user, *, on: dt.date | None = None) -> int:
    on = on or timezone.localdate()
    return restrict(HouseholdEnrolment.objects.exclude(status=HouseholdEnrolment.Status.STOPPED)
                    .filter(review_due__lt=on), user).count()


def public_notice_list(user, region_code: str = "", *, days: int = 30):
    """(region, household enrolments started in the last `days` days in it) for the 公示 list; the region
    defaults to the user's own (404 outside their scope)."""
    code = region_code or user.region_id or ""
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404
    lo, hi = region.code_range
    since = timezone.localdate() - dt.timedelta(days=days)
    qs = restrict(HouseholdEnrolment.objects.filter(region_id__gte=lo, region_id__lte=hi, created_at__date__gte=since)
                  .exclude(status=HouseholdEnrolment.Status.STOPPED), user)
    if not region_in_scope(user, code):
        raise Http404
    return region, list(qs.select_related("household__head", "region").order_by("region_id", "id")[:2000])


# --- read by casework (取暖救助与临时救助衔接): who dropped out of a heating batch, who a heating scheme covers


def heating_dropped_payments(*, since: dt.datetime) -> QuerySet:
    """Heating-scheme payments changed since `since` whose recipient dropped out: failed at the bank, or
    cancelled at dynamic re-verification (动态核对). Values rows, set-based; the household's head included."""
    return (Payment.objects.filter(scheme__kind=Scheme.Kind.HEATING, updated_at__gte=since)
            .filter(Q(status=Payment.Status.FAILED)
                    | Q(status=Payment.Status.CANCELLED, reason__startswith="动态核对"))
            .values("id", "scheme_id", "period", "household_id", "person_id", "region_id", "status", "reason",
                    "amount", "household__head_id"))


def heating_covered(household_id: int, *, since: dt.datetime) -> bool:
    """Whether a heating scheme covers the household this season: a payment of a heating scheme for it made
    or pending since `since` (not failed, not cancelled)."""
    return Payment.objects.filter(scheme__kind=Scheme.Kind.HEATING, household_id=household_id,
                                  created_at__gte=since).exclude(
        status__in=(Payment.Status.FAILED, Payment.Status.CANCELLED)).exists()



def allocation_execution(user, *, year: int | None = None) -> list[dict]:
    """Allocations in scope with what each level has allocated, committed (passed down or to schemes) and
    paid (by the schemes drawing from it or from an allocation below it): one grouped query over schemes,
    rolled up by region code."""
    qs = restrict(Allocation.objects.all(), user).select_related("region").order_by("year", "region_id")
    if year:
        qs = qs.filter(year=year)
    rows = list(qs)
    paid_by_allocation = list(
        Scheme.objects.filter(allocation__isnull=False, allocation__year__in={a.year for a in rows} or {0})
        .values_list("allocation__year", "allocation__region_id").annotate(s=Sum("paid")))
    out = []
    for a in rows:
        lo, hi = a.region.code_range if a.region_id else ("", "999999")
        paid = sum(total or 0 for y, code, total in paid_by_allocation
                   if y == a.year and (a.region_id is None or (code is not None and lo <= code <= hi)))
        out.append({"allocation": a, "amount": a.amount, "committed": a.committed, "paid": paid,
                    "level": a.region.get_level_display() if a.region_id else _("中央")})
    return out


def member_table(user, *, search: str = "", household: int | None = None) -> QuerySet:
    """Current members in scope for the enrolment table, a household's members together. A full ID number
    is looked up by the person's unique HMAC index, its last four characters by ``person_id_last4_idx``;
    anything else is a name (its index, prefix match)."""
    qs = restrict(Member.objects.filter(left_on__isnull=True), user).select_related("person", "household__region")
    if household:
        qs = qs.filter(household_id=household)
    if (search or "").strip():
        qs = qs.filter(person_search_q(search, name_lookup="startswith"))
    return qs.order_by("-household_id", "id")


def current_enrolments(person_ids, *, on=None) -> dict[int, list[Enrolment]]:
    """The enrolments in force on `on` (today) of these people, one query: person id -> rows."""
    on = on or timezone.localdate()
    out: dict[int, list[Enrolment]] = {}
    rows = Enrolment.objects.filter(person_id__in=list(person_ids), status=Enrolment.Status.ACTIVE, start__lte=on) \
        .filter(Q(end__isnull=True) | Q(end__gte=on)).order_by("person_id", "category")
    for row in rows:
        out.setdefault(row.person_id, []).append(row)
    return out
