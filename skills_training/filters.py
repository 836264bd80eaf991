"""One FilterSet per list, shared by the HTML pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Assessment, Certificate, TrainingClass


class CertificateFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("证书编号或姓名"), method="search")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Certificate.Status.choices)
    level = django_filters.NumberFilter(label=_("等级"), field_name="level__number")

    class Meta:
        model = Certificate
        fields = ["q", "status", "level"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(number__icontains=value.upper()) | Q(holder_name__icontains=value)) if value else queryset


class AssessmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("考生姓名"), field_name="candidate_name", lookup_expr="icontains")
    level = django_filters.NumberFilter(label=_("等级"), field_name="level__number")
    passed = django_filters.BooleanFilter(label=_("是否通过"))

    class Meta:
        model = Assessment
        fields = ["q", "level", "passed"]


class ClassFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("班级或机构名称"), method="search")

    class Meta:
        model = TrainingClass
        fields = ["q"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(institution__name__icontains=value)) if value else queryset
