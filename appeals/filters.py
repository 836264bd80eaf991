"""One FilterSet per list, shared by the HTML page and the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.filters import IdLast4Filter
from portal.selectors import person_search_q

from .models import Appeal, VerificationCheck


class AppealFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索（姓名、身份证号码或后四位、理由）"), method="search")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Appeal.Status.choices)
    kind = django_filters.ChoiceFilter(label=_("申诉类型"), choices=Appeal.Kind.choices)
    overdue = django_filters.BooleanFilter(label=_("仅超期未办结"), method="only_overdue")
    id_last4 = IdLast4Filter()

    class Meta:
        model = Appeal
        fields = ["q", "status", "kind", "overdue", "id_last4"]

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        # a name, a whole ID number (its HMAC) or its last four characters (id_last4), or words of the grounds
        return qs.filter(person_search_q(value) | Q(grounds__icontains=value))

    def only_overdue(self, qs, name, value):
        if value:
            return qs.filter(status__in=Appeal.OPEN, review_due__lt=timezone.localdate())
        return qs


class CheckFilter(django_filters.FilterSet):
    answer = django_filters.ChoiceFilter(label=_("回访结果"), choices=VerificationCheck.Answer.choices)
    region = django_filters.CharFilter(label=_("区县代码"), field_name="region_id")

    class Meta:
        model = VerificationCheck
        fields = ["answer", "region"]
