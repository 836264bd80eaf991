"""FilterSets shared by the HTML lists and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import DistributionLine, Merchant, Redemption, Statement, Voucher, WaiverLine


class MerchantFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("搜索"))
    active = django_filters.BooleanFilter(label=_("有效"))

    class Meta:
        model = Merchant
        fields = ["active"]

    def filter_search(self, qs, name, value):
        return qs.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(address__icontains=value))


class VoucherFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("搜索（姓名/券码末四位）"))
    status = django_filters.ChoiceFilter(choices=Voucher.Status.choices, label=_("状态"))
    scheme = django_filters.NumberFilter(field_name="scheme_id", label=_("项目"))
    batch = django_filters.NumberFilter(field_name="batch_id", label=_("批次"))

    class Meta:
        model = Voucher
        fields = ["status", "scheme", "batch"]

    def filter_search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(code__endswith=value.upper()))


class RedemptionFilter(django_filters.FilterSet):
    merchant = django_filters.NumberFilter(field_name="merchant_id", label=_("商户"))
    settled = django_filters.BooleanFilter(field_name="statement", lookup_expr="isnull", exclude=True,
                                           label=_("已结算"))
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("起始日期"))

    class Meta:
        model = Redemption
        fields = ["merchant"]


class StatementFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Statement.Status.choices, label=_("状态"))
    kind = django_filters.ChoiceFilter(choices=Statement.Kind.choices, label=_("类型"))
    search = django_filters.CharFilter(method="filter_search", label=_("搜索（单号/对方名称）"))

    class Meta:
        model = Statement
        fields = ["status", "kind"]

    def filter_search(self, qs, name, value):
        return qs.filter(Q(number__icontains=value) | Q(merchant__name__icontains=value))


class DistributionFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("搜索（姓名）"))
    status = django_filters.ChoiceFilter(choices=DistributionLine.Status.choices, label=_("状态"))
    batch = django_filters.NumberFilter(field_name="batch_id", label=_("批次"))

    class Meta:
        model = DistributionLine
        fields = ["status", "batch"]

    def filter_search(self, qs, name, value):
        return qs.filter(name__icontains=value.strip())


class WaiverFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("搜索（户主/用户号）"))
    status = django_filters.ChoiceFilter(choices=WaiverLine.Status.choices, label=_("状态"))
    company = django_filters.NumberFilter(field_name="company_id", label=_("供热单位"))
    batch = django_filters.NumberFilter(field_name="batch_id", label=_("批次"))

    class Meta:
        model = WaiverLine
        fields = ["status", "company", "batch"]

    def filter_search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(customer_number__icontains=value))
