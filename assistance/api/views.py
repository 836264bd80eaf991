"""Thin API views: parse, call one service or selector, answer. Shapes per API.md "assistance".

Permission classes only say which roles may reach an endpoint at all; whether a write may happen (role,
region, maker-checker) is the service's decision (`portal.permissions.require`), answered 403."""

from django.db.models import Prefetch
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.idempotency import idempotent
from portal.api.permissions import HasRole
from portal.permissions import CIVIL_STAFF, Role

from .. import selectors, services
from ..filters import HouseholdFilter
from ..models import Household, Member
from .serializers import (
    AllocationExecutionSerializer,
    AllocationSerializer,
    AssistanceReasonSerializer,
    BatchCreatedSerializer,
    BatchCreateSerializer,
    BatchOpinionSerializer,
    BatchSerializer,
    EnrolmentCreateSerializer,
    EnrolmentSerializer,
    HouseholdCreateSerializer,
    HouseholdSerializer,
    MeansTestRunSerializer,
    MeansTestSerializer,
    PaymentSerializer,
    SchemeSerializer,
)

STAFF = HasRole(*CIVIL_STAFF)
CASEWORKER = HasRole(Role.CASEWORKER)


class _CaseworkerWrites:
    def get_permissions(self):
        if self.request.method == "GET":
            return [IsAuthenticated(), STAFF()]
        return [IsAuthenticated(), CASEWORKER()]


class HouseholdListCreateView(_CaseworkerWrites, generics.ListCreateAPIView):
    """Households in the user's region and below; `?search=` on member name / address / whole ID number / its last
    four characters; `?id_last4=` on the last four alone."""

    serializer_class = HouseholdSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = HouseholdFilter

    def get_queryset(self):
        current = Prefetch("members", queryset=Member.objects.filter(left_on__isnull=True).select_related("person"),
                           to_attr="current_members")
        return selectors.household_list(self.request.user, search=self.request.query_params.get("search", "")) \
            .prefetch_related(current)

    def known_count(self):
        """The exact count from the household tally (no COUNT over the rows); None when searching."""
        tally = HouseholdFilter(self.request.query_params, queryset=Household.objects.none()).tally_filters()
        if tally is None:
            return None
        return selectors.household_count(self.request.user, search=self.request.query_params.get("search", ""),
                                         **tally)

    @extend_schema(parameters=[OpenApiParameter("search", str, description="姓名、住址、完整身份证号码或后四位"),
                               OpenApiParameter("id_last4", str, description="身份证号码后四位")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=HouseholdCreateSerializer, responses={201: HouseholdSerializer})
    def post(self, request, *args, **kwargs):
        data = HouseholdCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        household = services.household_create(actor=request.user, **data.validated_data)
        return Response(HouseholdSerializer(household).data, status=status.HTTP_201_CREATED)


class HouseholdDetailView(generics.RetrieveAPIView):
    serializer_class = HouseholdSerializer
    permission_classes = [IsAuthenticated, STAFF]

    def get_object(self):
        return selectors.household_get(self.request.user, self.kwargs["pk"])


class EnrolmentCreateView(_CaseworkerWrites, generics.ListCreateAPIView):
    serializer_class = EnrolmentSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.enrolment_list(self.request.user).order_by("-id")

    @extend_schema(request=EnrolmentCreateSerializer, responses={201: EnrolmentSerializer})
    def post(self, request, *args, **kwargs):
        data = EnrolmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = services.enrolment_create(actor=request.user, **data.validated_data)
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)


class SchemeListCreateView(_CaseworkerWrites, generics.ListCreateAPIView):
    serializer_class = SchemeSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.scheme_list(self.request.user)

    @extend_schema(request=SchemeSerializer, responses={201: SchemeSerializer})
    def post(self, request, *args, **kwargs):
        data = SchemeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        scheme = services.scheme_create(actor=request.user, campaign_name=values.pop("campaign", "") or "",
                                        **values)
        return Response(SchemeSerializer(scheme).data, status=status.HTTP_201_CREATED)


class BatchListCreateView(_CaseworkerWrites, generics.ListCreateAPIView):
    serializer_class = BatchSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.batch_list(self.request.user).order_by("-id")

    @extend_schema(request=BatchCreateSerializer, responses={201: BatchCreatedSerializer})
    @idempotent
    def post(self, request, *args, **kwargs):
        data = BatchCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            scheme = selectors.scheme_get(request.user, data.validated_data["scheme"])
        except Http404:
            return Response({"scheme": ["未找到该救助项目。"]}, status=status.HTTP_400_BAD_REQUEST)
        batch = services.batch_create(scheme=scheme, region=data.validated_data["region"],
                                      period=data.validated_data["period"], actor=request.user)
        return Response({"id": batch.pk, "status": batch.status}, status=status.HTTP_201_CREATED)


class BatchDetailView(generics.RetrieveAPIView):
    serializer_class = BatchSerializer
    permission_classes = [IsAuthenticated, STAFF]

    def get_object(self):
        return selectors.batch_get(self.request.user, self.kwargs["pk"])


class BatchApproveView(APIView):
    """Approve a draft batch (an approver who is not its creator); reserves the budget and starts the payout."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=BatchOpinionSerializer, responses={200: BatchSerializer})
    @idempotent
    def post(self, request, pk):
        batch = selectors.batch_get(request.user, pk)
        data = BatchOpinionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.batch_approve(batch=batch, actor=request.user, opinion=data.validated_data["opinion"])
        return Response(BatchSerializer(selectors.batch_get(request.user, batch.pk)).data)


class BatchReturnView(APIView):
    """Send a draft batch back to its maker with a reason (an approver who is not its maker)."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=AssistanceReasonSerializer, responses={200: BatchSerializer})
    def post(self, request, pk):
        batch = selectors.batch_get(request.user, pk)
        data = AssistanceReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.batch_return(batch=batch, actor=request.user, reason=data.validated_data["reason"])
        return Response(BatchSerializer(selectors.batch_get(request.user, pk)).data)


class BatchResubmitView(APIView):
    """The maker resubmits a returned batch: its list is built again and it comes back as a draft."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=None, responses={200: BatchSerializer})
    def post(self, request, pk):
        batch = selectors.batch_get(request.user, pk)
        services.batch_resubmit(batch=batch, actor=request.user)
        return Response(BatchSerializer(selectors.batch_get(request.user, pk)).data)


class BatchCancelView(APIView):
    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=AssistanceReasonSerializer, responses={200: BatchSerializer})
    def post(self, request, pk):
        batch = selectors.batch_get(request.user, pk)
        data = AssistanceReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.batch_cancel(batch=batch, actor=request.user, reason=data.validated_data["reason"])
        return Response(BatchSerializer(selectors.batch_get(request.user, pk)).data)


class BatchPaymentListView(generics.ListAPIView):
    """The batch's payments (ID numbers masked); `?status=pending|paid|failed|cancelled`."""

    serializer_class = PaymentSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        batch = selectors.batch_get(self.request.user, self.kwargs["pk"])
        return selectors.batch_payments(self.request.user, batch, status=self.request.query_params.get("status", ""))

    def known_count(self):
        batch = selectors.batch_get(self.request.user, self.kwargs["pk"])
        return selectors.batch_payments_count(self.request.user, batch,
                                              status=self.request.query_params.get("status", ""))

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=["pending", "paid", "failed", "cancelled"])])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PaymentReissueView(APIView):
    """Re-issue a failed payment: same payment, a new attempt; the payout task runs again."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=AssistanceReasonSerializer, responses={200: PaymentSerializer})
    @idempotent
    def post(self, request, pk):
        payment = selectors.payment_get(request.user, pk)
        data = AssistanceReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.payment_reissue(payment=payment, actor=request.user, note=data.validated_data["reason"])
        return Response(PaymentSerializer(selectors.payment_get(request.user, pk)).data)


class PaymentCancelView(APIView):
    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=AssistanceReasonSerializer, responses={200: PaymentSerializer})
    @idempotent
    def post(self, request, pk):
        payment = selectors.payment_get(request.user, pk)
        data = AssistanceReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.payment_cancel(payment=payment, actor=request.user, reason=data.validated_data["reason"])
        return Response(PaymentSerializer(selectors.payment_get(request.user, pk)).data)




class HouseholdMeansTestView(APIView):
    """家庭经济状况核对: run the means test on the household now (or on `on`) and answer its result with its
    inputs (income items, assets, the rule and the standard used)."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=MeansTestRunSerializer, responses={201: MeansTestSerializer})
    def post(self, request, pk):
        household = selectors.household_get(request.user, pk)
        data = MeansTestRunSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        test = services.means_test_run(household=household, actor=request.user, on=data.validated_data["on"],
                                       category=data.validated_data["category"])
        return Response(MeansTestSerializer(test).data, status=status.HTTP_201_CREATED)


class AllocationListCreateView(APIView):
    """Funds from the centre down: each allocation with what is committed below it and paid (GET, staff in
    scope); POST allocates from the level above (the service decides who may)."""

    permission_classes = [IsAuthenticated, HasRole(*CIVIL_STAFF)]

    @extend_schema(responses={200: AllocationExecutionSerializer(many=True)},
                   parameters=[OpenApiParameter("year", int, required=False)])
    def get(self, request):
        year = request.query_params.get("year")
        rows = selectors.allocation_execution(request.user, year=int(year) if (year or "").isdigit() else None)
        for r in rows:
            r["allocation"].paid = r["paid"]
        return Response(AllocationExecutionSerializer([r["allocation"] for r in rows], many=True).data)

    @extend_schema(request=AllocationSerializer, responses={201: AllocationSerializer})
    def post(self, request):
        data = AllocationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        allocation = services.allocation_create(year=v["year"], region=v.get("region_id"), amount=v["amount"],
                                                programme=v.get("programme", "relief"), actor=request.user)
        return Response(AllocationSerializer(allocation).data, status=status.HTTP_201_CREATED)
