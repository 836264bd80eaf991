import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.filters import IdLast4Filter
from portal.selectors import person_search, person_search_q

from .models import Insured


class InsuredFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("姓名、完整身份证号码或后四位"), method="search")
    scheme = django_filters.ChoiceFilter(label=_("参保险种"), choices=Insured.Scheme.choices)
    status = django_filters.ChoiceFilter(label=_("参保状态"), choices=Insured.Status.choices)
    region = django_filters.CharFilter(label=_("统筹地区代码"), field_name="region_id")
    id_last4 = IdLast4Filter()

    class Meta:
        model = Insured
        fields = ["q", "scheme", "status", "region", "id_last4"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        search = person_search(value)
        if search.kind == "name":
            return queryset.filter(Q(person__name__contains=value) | Q(person__name_pinyin__contains=value.lower()))
        return queryset.filter(person_search_q(value))  # a whole ID number (its HMAC) or its last four
