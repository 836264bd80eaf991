"""The decisions a user may contest, found through the scoping gate (staff: their region; a citizen:
their own application, their household's enrolment, a spend on their relation). Reads only."""

from django.http import Http404

from assistance.models import HouseholdEnrolment
from casework.models import Application
from medical_pooling.models import Spend
from portal.roles import Role
from portal.scoping import restrict

from .models import Appeal

K = Appeal.Kind


def subject_get(user, kind: str, pk):
    """The decision `pk` of `kind` if this user may contest it, else Http404 (one answer for absent and
    not yours)."""
    citizen = user.role == Role.INSURED and not user.is_portal_admin
    try:
        if kind == K.REJECTION:
            qs = Application.objects.select_related("person")
            qs = qs.filter(person_id=user.person_id) if citizen else restrict(qs, user)
        elif kind in (K.STOP, K.AMOUNT):
            qs = HouseholdEnrolment.objects.select_related("household")
            qs = (qs.filter(household__members__person_id=user.person_id, household__members__left_on__isnull=True)
                  if citizen else restrict(qs, user))
        elif kind == K.SPEND:
            qs = restrict(Spend.objects.select_related("relation__pooler", "beneficiary"), user)
        else:
            raise Http404
        if citizen and user.person_id is None:
            raise Http404
        return qs.get(pk=pk)
    except (Application.DoesNotExist, HouseholdEnrolment.DoesNotExist, Spend.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def own_decisions(user) -> dict:
    """A citizen's decisions that may be contested (for the filing page)."""
    if user.person_id is None:
        return {}
    return {
        "rejections": Application.objects.filter(person_id=user.person_id, status=Application.Status.REJECTED),
        "enrolments": HouseholdEnrolment.objects.filter(household__members__person_id=user.person_id,
                                                        household__members__left_on__isnull=True).distinct(),
        "spends": restrict(Spend.objects.filter(refund_of__isnull=True), user).order_by("-occurred_at")[:20],
    }
