"""FilterSets shared by the HTML lists and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Application, ApplicationCategory, DiscoveryTask, TemporaryAid


class ApplicationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Application.Status.choices)
    category = django_filters.ChoiceFilter(label=_("类别"), choices=ApplicationCategory.choices)
    late = django_filters.BooleanFilter(label=_("仅超期"), method="filter_late")
    search = django_filters.CharFilter(label=_("姓名或身份证号码"), method="filter_search")

    class Meta:
        model = Application
        fields = ["status", "category"]

    def filter_late(self, qs, name, value):
        return qs.filter(late=value) if value is not None else qs

    def filter_search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(person__name__icontains=value) | Q(person__id_number=value.upper())) if value else qs


class TemporaryAidFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=TemporaryAid.Status.choices)
    kind = django_filters.ChoiceFilter(label=_("救助类型"), choices=TemporaryAid.Kind.choices)
    needs_review = django_filters.BooleanFilter(label=_("待事后复核"))

    class Meta:
        model = TemporaryAid
        fields = ["status", "kind", "needs_review"]


class DiscoveryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=DiscoveryTask.Status.choices)
    kind = django_filters.ChoiceFilter(label=_("信号类型"), choices=DiscoveryTask.Kind.choices)

    class Meta:
        model = DiscoveryTask
        fields = ["status", "kind"]
