"""The one scoping gate. Every list, detail, report, API view and admin list goes through `restrict`.

A model says how it is reached, with a class attribute:

    class Household(models.Model):
        scope = Scope(region="region", roles={Role.CASEWORKER, Role.APPROVER})

- `region`: the lookup path to a Region (a FK, or its code); staff see their region and below;
- `person`: lookup paths to a Person; a citizen sees rows where any path is themselves;
- `institution`: lookup path to an institution code; institution staff see their own rows;
- `merchant`, `company`: lookup paths to a voucher merchant's or a heating company's code; their users
  (roles `merchant`, `heating_company`, whose `institution_code` holds that code) see their own rows;
- `roles`: the roles that may see the model at all (admins always may).

Objects outside the gate are simply not in the queryset, so a detail view answers 404.
"""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Role, code_range

REGION_SCOPED_ROLES = {Role.CASEWORKER, Role.APPROVER, Role.INSURANCE_OFFICER, Role.TRAINING_STAFF}
NATIONWIDE_WITHOUT_REGION = {Role.INSURANCE_OFFICER}


@dataclass(frozen=True)
class Scope:
    region: str | tuple[str, ...] | None = None
    person: tuple[str, ...] = ()
    institution: str | None = None
    merchant: str | None = None
    company: str | None = None
    roles: frozenset = field(default_factory=frozenset)
    public: bool = False


def region_q(path: str | tuple[str, ...], region_code: str) -> Q:
    lo, hi = code_range(region_code)
    paths = (path,) if isinstance(path, str) else path
    q = Q()
    for p in paths:
        q |= Q(**{f"{p}__gte": lo, f"{p}__lte": hi})
    return q


def user_region_q(user, path) -> Q | None:
    """Q limiting `path` to the user's region; None means no limit (nationwide)."""
    if user.region_id is None:
        return None
    return region_q(path, user.region_id)


def can_see_model(user, model) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_portal_admin:
        return True
    scope: Scope | None = getattr(model, "scope", None)
    return scope is not None and user.role in scope.roles


def restrict(queryset: QuerySet, user) -> QuerySet:
    """The rows of `queryset` this user may see (reads only: writes pass `portal.permissions.require`)."""
    model = queryset.model
    scope: Scope | None = getattr(model, "scope", None)
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if user.is_portal_admin:
        return queryset
    if scope is None or user.role not in scope.roles:
        return queryset.none()
    if user.role in REGION_SCOPED_ROLES:
        if scope.region is None:
            return queryset.none()
        if user.region_id is None:
            return queryset if user.role in NATIONWIDE_WITHOUT_REGION else queryset.none()
        return queryset.filter(region_q(scope.region, user.region_id))
    if user.role == Role.INSURED:
        if not scope.person or user.person_id is None:
            return queryset.none()
        q = Q()
        for path in scope.person:
            q |= Q(**{path: user.person_id})
        return queryset.filter(q).distinct() if any("__" in p for p in scope.person) else queryset.filter(q)
    if user.role == Role.INSTITUTION:
        if not scope.institution or not user.institution_code:
            return queryset.none()
        return queryset.filter(**{scope.institution: user.institution_code})
    if user.role in (Role.MERCHANT, Role.HEATING_COMPANY):
        path = scope.merchant if user.role == Role.MERCHANT else scope.company
        if not path or not user.institution_code:
            return queryset.none()
        return queryset.filter(**{path: user.institution_code})
    return queryset.none()


def get_scoped_or_404(queryset: QuerySet, user, **lookup):
    try:
        return restrict(queryset, user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def region_in_scope(user, region_code: str | None) -> bool:
    """May this staff user act on something located in `region_code`?"""
    if user.is_portal_admin:
        return True
    if not region_code:
        return False
    if user.region_id is None:
        return user.role in NATIONWIDE_WITHOUT_REGION
    lo, hi = code_range(user.region_id)
    return lo <= region_code <= hi
