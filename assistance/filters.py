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
        value = (value or "").strip()
        if len(value) != 6 or not value.isdigit():
            return queryset
        lo, hi = code_range(value)
        return queryset.filter(Q(region_id__gte=lo) & Q(region_id__lte=hi))
