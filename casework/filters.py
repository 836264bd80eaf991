"""FilterSets shared by the HTML lists and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from portal.filters import IdLast4Filter
from portal.selectors import person_search_q

from .models import Application, ApplicationCategory, DiscoveryTask, TemporaryAid


class ApplicationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Application.Status.choices)
    category = django_filters.ChoiceFilter(label=_("类别"), choices=ApplicationCategory.choices)
    late = django_filters.BooleanFilter(label=_("仅超期"), method="filter_late")
    search = django_filters.CharFilter(label=_("姓名、完整身份证号码或后四位"), method="filter_search")

    class Meta:
        model = Application
        fields = ["status", "category"]

    def filter_late(self, qs, name, value):
        return qs.filter(late=value) if value is not None else qs

    def filter_search(self, qs, name, value):
        """A name (contains), a whole ID number (its HMAC) or its last four characters (``id_last4``)."""
        return qs.filter(person_search_q(value)) if (value or "").strip() else qs


class ApplicationApiFilter(ApplicationFilter):
    """The API's filters: the page's, and ``?id_last4=`` on its own (the page has the one search box)."""

    id_last4 = IdLast4Filter()


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
