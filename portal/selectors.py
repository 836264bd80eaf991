"""Reads shared by every app."""

from django.db.models import QuerySet

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
    return Person.objects.filter(id_number=id_number).first()
