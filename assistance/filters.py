"""One FilterSet for the household list page and API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import code_range

from .models import Area, Household


class HouseholdFilter(django_filters.FilterSet):
    area = django_filters.ChoiceFilter(label=_("城乡类别"), choices=Area.choices, empty_label=_("全部"))
    region = django_filters.CharFilter(label=_("区域代码"), method="filter_region")

    class Meta:
        model = Household
        fields = ["area", "region"]

    def filter_region(self, queryset, name, value):
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
        return {"area": data.get("area") or "", "region": data.get("region") or ""}


def region_bounds(value) -> tuple[str, str] | None:
    """The code range of a six-digit region filter; None (no filter) for anything else."""
    value = (value or "").strip()
    if len(value) != 6 or not value.isdigit():
        return None
    return code_range(value)
