"""Thin API views: parse, call one service or selector, answer."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.idempotency import idempotent
from portal.api.permissions import HasRole
from portal.roles import Role

from .. import selectors, services
from ..filters import InsuredFilter
from ..models import Insured, RegionRule, Relation, SettlementLine, Spend
from . import serializers as s

Officer = HasRole(Role.INSURANCE_OFFICER)
Citizen = HasRole(Role.INSURED)


def _relation_answer(relation: Relation) -> dict:
    relation = Relation.objects.select_related("pooler__person", "beneficiary__person").get(pk=relation.pk)
    return s.RelationSerializer(relation).data


class InsuredListCreateView(generics.ListCreateAPIView):
    """Insured persons in the officer's region (GET) and registration (POST)."""

    permission_classes = [Officer]
    serializer_class = s.InsuredSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = InsuredFilter
    queryset = Insured.objects.none()

    def get_queryset(self):
        return selectors.insured_list(self.request.user).order_by("-id")

    @extend_schema(request=s.InsuredCreateSerializer, responses={201: s.InsuredSerializer})
    def post(self, request):
        data = s.InsuredCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        insured = services.insured_create(actor=request.user, **data.validated_data)
        insured = selectors.insured_list(request.user).get(pk=insured.pk)
        return Response(s.InsuredSerializer(insured).data, status=status.HTTP_201_CREATED)


class InsuredDetailView(generics.RetrieveAPIView):
    permission_classes = [Officer]
    serializer_class = s.InsuredSerializer
    queryset = Insured.objects.none()

    def get_queryset(self):
        return selectors.insured_list(self.request.user)


class InsuredStatusView(APIView):
    """Change an insured person's status; leaving `active` dissolves their relations as pooler."""

    permission_classes = [Officer]

    @extend_schema(request=s.InsuredStatusSerializer, responses={200: s.InsuredSerializer})
    def post(self, request, pk):
        insured = get_object_or_404(selectors.insured_list(request.user), pk=pk)
        data = s.InsuredStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.insured_set_status(actor=request.user, insured=insured, status=data.validated_data["status"],
                                    reason=data.validated_data.get("reason", ""))
        insured = selectors.insured_list(request.user).get(pk=pk)
        return Response(s.InsuredSerializer(insured).data)


def me_payload(insured: Insured) -> dict:
    account = selectors.account_of(insured)
    out, inn = selectors.relations_of(insured)
    return {
        "balance": account.balance if account else 0,
        "reserved": account.reserved if account else 0,
        "available": account.available if account else 0,
        "scheme": insured.scheme,
        "status": insured.status,
        "region": insured.region_id,
        "wallet_opened": insured.wallet_opened,
        "relations_out": out,
        "relations_in": inn,
    }


class MeView(APIView):
    """The insured citizen's own account: balance, reserved, available and every relation."""

    permission_classes = [Citizen]

    @extend_schema(responses={200: s.MeSerializer})
    def get(self, request):
        insured = selectors.insured_of_user(request.user)
        if insured is None:
            return Response({"detail": "您尚未参保登记。"}, status=status.HTTP_404_NOT_FOUND)
        return Response(s.MeSerializer(me_payload(insured)).data)


class RelationListCreateView(generics.ListCreateAPIView):
    """Relations this user may see (GET); a pooler sets one up with a relative (POST)."""

    serializer_class = s.RelationSerializer
    queryset = Relation.objects.none()

    def get_permissions(self):
        roles = (Role.INSURED,) if self.request.method == "POST" else (Role.INSURED, Role.INSURANCE_OFFICER)
        return [HasRole(*roles)()]

    def get_queryset(self):
        return selectors.relation_list(self.request.user)

    @extend_schema(request=s.RelationCreateSerializer, responses={201: s.RelationSerializer})
    @idempotent
    def post(self, request):
        data = s.RelationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        relation = services.relation_create(actor=request.user, **data.validated_data)
        return Response(_relation_answer(relation), status=status.HTTP_201_CREATED)


class RelationDetailView(APIView):
    """One relation (either party; officers in region). PATCH `quota`: the pooler only."""

    def get_permissions(self):
        roles = (Role.INSURED,) if self.request.method == "PATCH" else (Role.INSURED, Role.INSURANCE_OFFICER)
        return [HasRole(*roles)()]

    def _get(self, request, pk) -> Relation:
        return get_object_or_404(selectors.relation_list(request.user), pk=pk)

    @extend_schema(responses={200: s.RelationSerializer})
    def get(self, request, pk):
        return Response(s.RelationSerializer(self._get(request, pk)).data)

    @extend_schema(request=s.RelationQuotaSerializer, responses={200: s.RelationSerializer})
    @idempotent
    def patch(self, request, pk):
        relation = self._get(request, pk)
        data = s.RelationQuotaSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        relation = services.relation_set_quota(actor=request.user, relation=relation, quota=data.validated_data["quota"])
        return Response(_relation_answer(relation))


class RelationDissolveView(APIView):
    """Either party ends the relation; the unused quota is available to the pooler again at once."""

    permission_classes = [Citizen]

    @extend_schema(request=s.RelationDissolveSerializer, responses={200: s.RelationSerializer})
    @idempotent
    def post(self, request, pk):
        relation = get_object_or_404(selectors.relation_list(request.user), pk=pk)
        data = s.RelationDissolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        relation = services.relation_dissolve(actor=request.user, relation=relation,
                                              reason=data.validated_data.get("reason", ""))
        return Response(_relation_answer(relation))


class RelationAcceptView(APIView):
    """The beneficiary (a guardian for a minor) agrees: the relation becomes active, the quota reserved."""

    permission_classes = [Citizen]

    @extend_schema(request=None, responses={200: s.RelationSerializer})
    @idempotent
    def post(self, request, pk):
        relation = get_object_or_404(selectors.relation_list(request.user), pk=pk)
        relation = services.relation_accept(actor=request.user, relation=relation)
        return Response(_relation_answer(relation))


class PaymentCodeView(APIView):
    """The beneficiary of an active relation gets a one-time payment code (shown once)."""

    permission_classes = [Citizen]

    @extend_schema(request=s.PaymentCodeRequestSerializer, responses={201: s.PaymentCodeSerializer})
    def post(self, request):
        data = s.PaymentCodeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        relation = get_object_or_404(selectors.relation_list(request.user), pk=data.validated_data["relation"])
        code, row = services.payment_code_issue(actor=request.user, relation=relation)
        response = Response(s.PaymentCodeSerializer({"code": code, "expires_at": row.expires_at,
                                                     "relation": relation.pk}).data,
                            status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class SpendListCreateView(generics.ListCreateAPIView):
    """Pooled spends this user may see (GET); a designated institution records one (POST)."""

    serializer_class = s.SpendSerializer
    queryset = Spend.objects.none()

    def get_permissions(self):
        roles = (Role.INSTITUTION,) if self.request.method == "POST" else (
            Role.INSTITUTION, Role.INSURED, Role.INSURANCE_OFFICER)
        return [HasRole(*roles)()]

    def get_queryset(self):
        return selectors.spend_list(self.request.user)

    @extend_schema(request=s.SpendCreateSerializer, responses={201: s.SpendSerializer})
    @idempotent
    def post(self, request):
        data = s.SpendCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            spend = services.spend_create(actor=request.user, payment_code=v["payment_code"],
                                          relation_id=v.get("relation"),
                                          beneficiary_id_number=v.get("beneficiary_id_number") or None,
                                          category=v["category"], amount=v["amount"], occurred_at=v["occurred_at"])
        except services.SpendThrottled as exc:
            raise exceptions.Throttled(wait=exc.wait, detail=str(exc)) from None
        # just recorded by this institution: in its scope, nothing refunded yet (SpendSerializer's answer)
        return Response(s.spend_created_answer(spend, request), status=status.HTTP_201_CREATED)


class PremiumView(APIView):
    """共济缴费: a resident-insurance or long-term-care premium paid from the quota of an active relation, by
    the beneficiary or an insurance officer of the beneficiary's region (not at an institution)."""

    permission_classes = [HasRole(Role.INSURED, Role.INSURANCE_OFFICER)]

    @extend_schema(request=s.PremiumCreateSerializer, responses={201: s.SpendSerializer})
    @idempotent
    def post(self, request):
        data = s.PremiumCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        relation = get_object_or_404(selectors.relation_list(request.user), pk=v["relation"])
        spend = services.premium_pay(actor=request.user, relation=relation, premium_scheme=v["premium_scheme"],
                                     amount=v["amount"], year=v.get("year"))
        spend.is_refunded = False
        return Response(s.SpendSerializer(spend, context={"request": request}).data, status=status.HTTP_201_CREATED)


class SpendRefundView(APIView):
    """Reverse a spend in full (the institution that recorded it): a new ledger row, never an edit."""

    permission_classes = [HasRole(Role.INSTITUTION)]

    @extend_schema(request=s.RelationDissolveSerializer, responses={200: s.SpendSerializer})
    @idempotent
    def post(self, request, pk):
        spend = get_object_or_404(selectors.spend_list(request.user), pk=pk)
        data = s.RelationDissolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.spend_refund(actor=request.user, spend=spend, reason=data.validated_data.get("reason", ""))
        return Response(s.SpendSerializer(selectors.spend_list(request.user).get(pk=pk),
                                          context={"request": request}).data)


class SettlementRunView(APIView):
    """Queue the monthly clearing of an ended month (national or provincial officers)."""

    permission_classes = [Officer]

    @extend_schema(request=s.SettlementMonthSerializer, responses={202: s.SettlementRunResponseSerializer})
    def post(self, request):
        data = s.SettlementMonthSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        month = data.validated_data["month"]
        job = services.settlement_enqueue(month=month, actor=request.user)
        return Response({"month": month, "status": "queued", "job": job.pk}, status=status.HTTP_202_ACCEPTED)


class SettlementListView(generics.ListAPIView):
    """Statements of a month: one row per pair of different pooling regions (a plain list)."""

    permission_classes = [Officer]
    serializer_class = s.SettlementLineSerializer
    pagination_class = None
    filter_backends = []
    queryset = SettlementLine.objects.none()

    @extend_schema(parameters=[OpenApiParameter("month", str, description="YYYY-MM")])
    def get(self, request, *args, **kwargs):
        month = request.query_params.get("month")
        if month:
            try:
                services.month_bounds(month)
            except ValidationError as exc:
                raise exc from None
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.settlement_lines(self.request.user, self.request.query_params.get("month"))


class ClearingMonthListView(generics.ListAPIView):
    """Each month's clearing status (open / clearing / closed), newest first."""

    permission_classes = [Officer]
    serializer_class = s.ClearingMonthSerializer
    queryset = SettlementLine.objects.none()

    def get_queryset(self):
        return selectors.clearing_months(self.request.user)


class RegionRuleListView(generics.ListAPIView):
    """Each pooling region's rules in the officer's scope (各地政策和执行标准)."""

    permission_classes = [Officer]
    serializer_class = s.RegionRuleSerializer
    queryset = RegionRule.objects.none()

    def get_queryset(self):
        return selectors.region_rules(self.request.user)


class RegionRuleDetailView(APIView):
    """One pooling region's rules; PUT sets them (an officer of that region or above)."""

    permission_classes = [Officer]

    @extend_schema(responses={200: s.RegionRuleSerializer})
    def get(self, request, region):
        return Response(s.RegionRuleSerializer(get_object_or_404(selectors.region_rules(request.user),
                                                                 region_id=region)).data)

    @extend_schema(request=s.RegionRuleWriteSerializer, responses={200: s.RegionRuleSerializer})
    def put(self, request, region):
        data = s.RegionRuleWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.region_rule_set(actor=request.user, region=region, **data.validated_data)
        return Response(s.RegionRuleSerializer(selectors.region_rules(request.user).get(pk=rule.pk)).data)


class OwnPaymentCodeView(APIView):
    """本人付款码: a one-time code for spending from one's own personal account (shown once)."""

    permission_classes = [Citizen]

    @extend_schema(request=None, responses={201: s.OwnPaymentCodeSerializer})
    def post(self, request):
        code, row = services.own_payment_code_issue(actor=request.user)
        response = Response(s.OwnPaymentCodeSerializer({"code": code, "expires_at": row.expires_at}).data,
                            status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class OwnSpendListCreateView(generics.ListCreateAPIView):
    """本人使用: spending from the insured person's own account (GET: those this user may see); a designated
    institution records one by the person's own payment code (POST). Never from what is reserved for
    relatives: available = balance − reserved."""

    serializer_class = s.OwnSpendSerializer
    queryset = Spend.objects.none()

    def get_permissions(self):
        roles = (Role.INSTITUTION,) if self.request.method == "POST" else (
            Role.INSTITUTION, Role.INSURED, Role.INSURANCE_OFFICER)
        return [HasRole(*roles)()]

    def get_queryset(self):
        return selectors.own_spend_list(self.request.user)

    @extend_schema(request=s.OwnSpendCreateSerializer, responses={201: s.OwnSpendSerializer})
    @idempotent
    def post(self, request):
        data = s.OwnSpendCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            own = services.own_spend_create(actor=request.user, payment_code=v["payment_code"],
                                            id_number=v.get("id_number") or None, category=v["category"],
                                            amount=v["amount"], occurred_at=v["occurred_at"])
        except services.SpendThrottled as exc:
            raise exceptions.Throttled(wait=exc.wait, detail=str(exc)) from None
        return Response(s.OwnSpendSerializer(own).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- statistics for officers

_STAT_PARAMS = [OpenApiParameter("month_from", str, description="YYYY-MM (default: twelve months ago)"),
                OpenApiParameter("month_to", str, description="YYYY-MM (default: this month)"),
                OpenApiParameter("province", str, description="a province's code, e.g. 340000")]


def _stat_filters(request):
    from ..forms import StatisticsForm
    from ..stats import default_filters

    if not any(request.query_params.get(k) for k in ("month_from", "month_to", "province")):
        return default_filters()
    form = StatisticsForm(request.query_params, user=request.user)
    if not form.is_valid():
        raise exceptions.ValidationError({k: list(v) for k, v in form.errors.items()})
    return form.cleaned_data["filters"]


class StatisticsView(APIView):
    """共济统计: regions opened, relations, person-times and amounts per month, within and across
    provinces, cleared and pending, and the largest region pairs; scoped to the officer's region."""

    permission_classes = [Officer]

    @extend_schema(parameters=_STAT_PARAMS, responses={200: s.StatisticsSerializer})
    def get(self, request):
        from .. import stats

        return Response(s.StatisticsSerializer(stats.statistics(request.user, _stat_filters(request))).data)


class StatisticsPairListView(generics.ListAPIView):
    """Cross-region spends by (payer region, payee region), the largest amount first, paginated."""

    permission_classes = [Officer]
    serializer_class = s.StatPairSerializer
    filter_backends = []
    queryset = Spend.objects.none()

    @extend_schema(parameters=_STAT_PARAMS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        from .. import stats

        return stats.pair_rows(self.request.user, _stat_filters(self.request))

    def paginate_queryset(self, queryset):
        from .. import stats

        page = super().paginate_queryset(queryset)
        return stats.name_pairs(list(page)) if page is not None else None
