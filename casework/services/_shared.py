"""What the casework services share: who may act, and the lookups every topic needs.

The permission gate is `portal.permissions.require`, called at the top of every service. A service that
takes a region code as input checks the role first, then that the code is known, then that it is within
the actor's region (three answers in that order: 403, 400, 403), as it always has.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from assistance.models import Household, Member
from portal import idnumber
from portal.models import Person, Region
from portal.roles import Role
from portal.services import person_get_or_create, person_name_matches

CASEWORKERS = frozenset({Role.CASEWORKER})
APPROVERS = frozenset({Role.APPROVER})


def known_region(code: str, field: str = "region") -> str:
    """`code` itself when it names a region (ValidationError on `field` otherwise)."""
    if not code or not Region.objects.filter(code=code).exists():
        raise ValidationError({field: [_("未知的行政区划代码。")]})
    return code


def person_for(*, id_number: str, name: str, field: str = "id_number") -> Person:
    """The registered person with this ID number (registered now when new); the name must match."""
    try:
        number = idnumber.validate_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({field: list(exc.messages)}) from None
    existing = Person.objects.filter(id_number=number).first()
    if existing is not None and existing.name and name and not person_name_matches(existing, name):
        raise ValidationError({"name": [_("姓名与身份证号码登记的姓名不一致。")]})
    return existing or person_get_or_create(id_number=number, name=name)


def current_household(person) -> Household | None:
    m = Member.objects.select_related("household").filter(person=person, left_on__isnull=True).first()
    return m.household if m else None
