"""Every read of appeals starts from the scoping gate (`portal.scoping.restrict`)."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from portal.roles import CIVIL_STAFF, Role
from portal.scoping import restrict

from .models import Appeal, VerificationCheck, VerificationRound


def appeal_list(user) -> QuerySet:
    """The appeals this user may see: civil staff the civil kinds in their region, insurance officers the
    disputed spends of their region, a citizen their own."""
    qs = restrict(Appeal.objects.select_related("person", "region", "reviewer", "filed_by"), user)
    if user.is_authenticated and not user.is_portal_admin:
        if user.has_role(*CIVIL_STAFF):
            qs = qs.filter(kind__in=Appeal.CIVIL_KINDS)
        elif user.role == Role.INSURANCE_OFFICER:
            qs = qs.filter(kind=Appeal.Kind.SPEND)
    return qs


def appeal_get(user, pk) -> Appeal:
    try:
        return appeal_list(user).get(pk=pk)
    except (Appeal.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def appeals_overdue(user) -> QuerySet:
    return appeal_list(user).filter(status__in=Appeal.OPEN, review_due__lt=timezone.localdate())


def appeal_counts(user) -> dict:
    qs = appeal_list(user)
    today = timezone.localdate()
    return qs.aggregate(open=Count("id", filter=Q(status__in=Appeal.OPEN)),
                        overdue=Count("id", filter=Q(status__in=Appeal.OPEN, review_due__lt=today)))


def round_list(user) -> QuerySet:
    return restrict(VerificationRound.objects.select_related("batch", "batch__scheme", "region", "drawn_by"), user)


def round_get(user, pk) -> VerificationRound:
    try:
        return round_list(user).get(pk=pk)
    except (VerificationRound.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def round_for_batch(user, batch_id) -> VerificationRound | None:
    return round_list(user).filter(batch_id=batch_id).first()


def check_list(user, round_: VerificationRound) -> QuerySet:
    return restrict(VerificationCheck.objects.filter(round=round_)
                    .select_related("region", "person", "household", "checked_by", "case"), user)


def check_get(user, pk) -> VerificationCheck:
    try:
        return restrict(VerificationCheck.objects.select_related("round", "region", "person"), user).get(pk=pk)
    except (VerificationCheck.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def round_summary(user, round_: VerificationRound) -> dict:
    """The verification rate and findings of one round, over the checks this user may see."""
    checks = check_list(user, round_)
    A = VerificationCheck.Answer
    agg = checks.aggregate(
        sampled=Count("id"), checked=Count("id", filter=~Q(answer=A.PENDING)),
        received=Count("id", filter=Q(answer=A.RECEIVED)),
        amount_differs=Count("id", filter=Q(answer=A.AMOUNT_DIFFERS)),
        not_received=Count("id", filter=Q(answer=A.NOT_RECEIVED)),
        unknown_person=Count("id", filter=Q(answer=A.UNKNOWN_PERSON)))
    agg["discrepancies"] = agg["amount_differs"] + agg["not_received"] + agg["unknown_person"]
    agg["rate"] = round(100 * agg["checked"] / agg["sampled"]) if agg["sampled"] else 0
    agg["by_district"] = list(checks.values("region_id", "region__name").annotate(
        sampled=Count("id"), checked=Count("id", filter=~Q(answer=A.PENDING)),
        discrepancies=Count("id", filter=Q(answer__in=VerificationCheck.DISCREPANCIES))).order_by("region_id"))
    agg["findings"] = list(checks.filter(answer__in=VerificationCheck.DISCREPANCIES).order_by("region_id", "rank"))
    return agg


def checks_pending(user) -> QuerySet:
    return restrict(VerificationCheck.objects.filter(answer=VerificationCheck.Answer.PENDING), user)
