"""One FilterSet for the household list page and API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.filters import IdLast4Filter
from portal.models import code_range

from .models import Area, Household, Member


class HouseholdFilter(django_filters.FilterSet):
    area = django_filters.ChoiceFilter(label=_("城乡类别"), choices=Area.choices, empty_label=_("全部"))
    region = django_filters.CharFilter(label=_("区域"), method="filter_region")
    id_last4 = IdLast4Filter(method="filter_id_last4")

    class Meta:
        model = Household
        fields = ["area", "region", "id_last4"]

    def filter_id_last4(self, queryset, name, value):
        value = (value or "").strip().upper()
        return queryset.filter(households_with_last4(value)) if value else queryset

    def filter_region(self, queryset, name, value):
        local = locality_bounds(value)
        if local is not None:  # a street (its communities too) or one community: the locality index
            return queryset.filter(Q(locality_id__gte=local[0]) & Q(locality_id__lte=local[1]))
        bounds = region_bounds(value)
        if bounds is None:
            return queryset
        return queryset.filter(Q(region_id__gte=bounds[0]) & Q(region_id__lte=bounds[1]))

    def tally_filters(self) -> dict | None:
        """The area and region this filter applies, for selectors.household_count; None if the form is
        invalid (the caller then counts the filtered rows)."""
        if self.is_bound and not self.is_valid():
            return None
        data = self.form.cleaned_data if self.is_bound else {}
        if locality_bounds(data.get("region")) is not None:
            return None  # the tally is kept per district: a street's households are counted
        if data.get("id_last4"):
            return None  # a search: the rows are counted
        return {"area": data.get("area") or "", "region": data.get("region") or ""}


def households_with_last4(last4: str) -> Q:
    """Households with a current member whose ID number ends with `last4`: a semi-join starting from the
    last-four index (about one person in ten thousand) through the member's person index."""
    return Q(pk__in=Member.objects.filter(person__id_last4=last4, left_on__isnull=True).values("household_id"))


def region_bounds(value) -> tuple[str, str] | None:
    """The code range of a six-digit region filter; None (no filter) for anything else."""
    value = (value or "").strip()
    if len(value) != 6 or not value.isdigit():
        return None
    return code_range(value)


def locality_bounds(value) -> tuple[str, str] | None:
    """The code range of a street (9 digits: itself and its communities) or a community (12 digits)."""
    value = (value or "").strip()
    if not value.isdigit() or len(value) not in (9, 12):
        return None
    return (value, value + "999") if len(value) == 9 else (value, value)
