"""Reads shared by every app."""

import re
from typing import NamedTuple

from django.db.models import Q, QuerySet

from .models import Person, Region, code_range


def region_get(code: str) -> Region | None:
    return Region.objects.filter(code=code).select_related("parent__parent").first()


def region_descendants(code: str, *, include_self: bool = True) -> QuerySet:
    lo, hi = code_range(code)
    qs = Region.objects.filter(code__gte=lo, code__lte=hi)
    return qs if include_self else qs.exclude(code=code)


def region_children(code: str | None) -> QuerySet:
    return Region.objects.filter(parent_id=code) if code else Region.objects.filter(level=Region.Level.PROVINCE)


def region_is_within(code: str, ancestor: str) -> bool:
    lo, hi = code_range(ancestor)
    return lo <= code <= hi


def person_by_id_number(id_number: str) -> Person | None:
    """Exact lookup by the HMAC column (the field turns the number into its HMAC)."""
    return Person.objects.filter(id_number=id_number).first()


def scope_root(user) -> str:
    """The region code a user's region pickers start below ("" = the whole country)."""
    if user.is_portal_admin or not user.region_id:
        return ""
    return user.region_id


def region_children_in_scope(user, parent: str) -> tuple[str, list[dict]]:
    """The children of `parent` a user may pick (for the cascading region pickers): provinces, prefectures and
    counties from the GB/T 2260 list, then the county's streets and a street's communities (Locality).
    Only codes within the user's region; an empty parent means the user's own region. Returns the level's
    name and [{code, name}]."""
    from django.utils.translation import gettext as _

    from .models import Locality
    from .scoping import region_in_scope

    parent = (parent or "").strip() or scope_root(user)
    if parent and not (parent.isdigit() and len(parent) in (6, 9)):
        return "", []
    if parent and not region_in_scope(user, parent[:6]) and not user.is_portal_admin:
        return "", []
    if not parent:
        return _("省份"), [{"code": r.code, "name": r.name} for r in region_children(None).only("code", "name")]
    if len(parent) == 9:
        rows = Locality.objects.filter(parent_id=parent).order_by("code").values("code", "name")
        return _("社区/村"), list(rows)
    children = list(Region.objects.filter(parent_id=parent).order_by("code").values("code", "name"))
    if children:
        level = Region.objects.filter(code=children[0]["code"]).values_list("level", flat=True).first()
        return (_("地市") if level == Region.Level.PREFECTURE else _("区县")), children
    rows = Locality.objects.filter(region_id=parent, kind=Locality.Kind.STREET).order_by("code").values("code", "name")
    return _("街道/乡镇"), list(rows)


def persons_by_id_last4(last4: str):
    """People whose ID number ends with these four characters: an index lookup on ``id_last4``."""
    return Person.objects.filter(id_last4=(last4 or "").strip().upper()[-4:])


FULL_ID = re.compile(r"\d{17}[\dX]")
ID_LAST4 = re.compile(r"\d{3}[\dX]")


class PersonSearch(NamedTuple):
    """What a staff list's search box was given: ``kind`` is "id" (a whole ID number: exact, through its
    HMAC's unique index), "last4" (the four characters a number is read out by: ``person.id_last4``'s
    index), "name" (anything else) or "" (nothing); ``value`` the normalised text."""

    kind: str
    value: str


def person_search(text: str) -> PersonSearch:
    text = (text or "").strip()
    if not text:
        return PersonSearch("", "")
    compact = text.upper().replace(" ", "")
    if FULL_ID.fullmatch(compact):
        return PersonSearch("id", compact)
    if ID_LAST4.fullmatch(compact):
        return PersonSearch("last4", compact)
    return PersonSearch("name", text)


def id_last4_value(text: str) -> str | None:
    """The four characters of an ``id_last4`` filter (digits, the last may be X), or None if not that."""
    compact = (text or "").strip().upper()
    return compact if ID_LAST4.fullmatch(compact) else None


def person_search_q(text: str, prefix: str = "person__", *, name_lookup: str = "icontains") -> Q:
    """A Q over a relation to Person (``prefix``) for a search box taking a name, a whole ID number or
    its last four characters. Every branch is answered from an index; nothing is decrypted."""
    search = person_search(text)
    if search.kind == "id":
        return Q(**{f"{prefix}id_number": search.value})
    if search.kind == "last4":
        return Q(**{f"{prefix}id_last4": search.value})
    if search.kind == "name":
        return Q(**{f"{prefix}name__{name_lookup}": search.value})
    return Q()
