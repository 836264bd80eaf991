"""Thin API views: parse, call one service or selector, answer."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from assistance import selectors as assistance_selectors
from portal.api.permissions import HasRole
from portal.roles import CIVIL_STAFF, Role

from .. import selectors, services, subjects
from ..filters import AppealFilter, CheckFilter
from ..models import VerificationCheck
from .serializers import (
    AppealCreateSerializer,
    AppealSerializer,
    CheckSerializer,
    DecideSerializer,
    DrawSerializer,
    RecordSerializer,
    RoundSerializer,
    WithdrawSerializer,
)

APPEAL_ROLES = HasRole(*CIVIL_STAFF, Role.INSURANCE_OFFICER, Role.INSURED)
STAFF = HasRole(*CIVIL_STAFF)


class AppealListCreateView(generics.ListCreateAPIView):
    """申诉: the appeals this user may see (`?status=`, `?kind=`, `?overdue=true`, `?q=`); POST files one."""

    serializer_class = AppealSerializer
    permission_classes = [IsAuthenticated, APPEAL_ROLES]
    filterset_class = AppealFilter

    def get_queryset(self):
        return selectors.appeal_list(self.request.user).select_related("notice").order_by("-id")

    @extend_schema(request=AppealCreateSerializer, responses={201: AppealSerializer})
    def post(self, request, *args, **kwargs):
        data = AppealCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        subject = subjects.subject_get(request.user, d["kind"], d["subject"])
        appeal = services.appeal_file(actor=request.user, kind=d["kind"], subject=subject, grounds=d["grounds"],
                                      requested_amount=d["requested_amount"], filed_on=d["filed_on"])
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)


class AppealDetailView(generics.RetrieveAPIView):
    serializer_class = AppealSerializer
    permission_classes = [IsAuthenticated, APPEAL_ROLES]

    def get_object(self):
        return selectors.appeal_get(self.request.user, self.kwargs["pk"])


class AppealReviewView(APIView):
    """The reviewer takes the appeal (not the maker of the decision contested)."""

    permission_classes = [IsAuthenticated, APPEAL_ROLES]

    @extend_schema(request=None, responses=AppealSerializer)
    def post(self, request, pk):
        appeal = services.appeal_review_start(appeal=selectors.appeal_get(request.user, pk), actor=request.user)
        return Response(AppealSerializer(appeal).data)


class AppealDecideView(APIView):
    permission_classes = [IsAuthenticated, APPEAL_ROLES]

    @extend_schema(request=DecideSerializer, responses=AppealSerializer)
    def post(self, request, pk):
        appeal = selectors.appeal_get(request.user, pk)
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = services.appeal_decide(appeal=appeal, actor=request.user, **data.validated_data)
        return Response(AppealSerializer(appeal).data)


class AppealWithdrawView(APIView):
    permission_classes = [IsAuthenticated, APPEAL_ROLES]

    @extend_schema(request=WithdrawSerializer, responses=AppealSerializer)
    def post(self, request, pk):
        appeal = selectors.appeal_get(request.user, pk)
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = services.appeal_withdraw(appeal=appeal, actor=request.user, **data.validated_data)
        return Response(AppealSerializer(appeal).data)


def _summaries(user, rounds) -> dict:
    return {r.pk: selectors.round_summary(user, r) for r in rounds}


class RoundListCreateView(generics.ListCreateAPIView):
    """回访核查 rounds (`?batch=`); POST `{"batch", "seed"?}` draws a paid batch's sample."""

    serializer_class = RoundSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        qs = selectors.round_list(self.request.user).order_by("-id")
        batch = self.request.query_params.get("batch")
        return qs.filter(batch_id=batch) if batch and batch.isdigit() else qs

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "summaries": _Lazy(self.request.user)}

    @extend_schema(request=DrawSerializer, responses={201: RoundSerializer})
    def post(self, request, *args, **kwargs):
        data = DrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = assistance_selectors.batch_get(request.user, data.validated_data["batch"])
        rnd = services.verification_draw(batch=batch, actor=request.user, seed=data.validated_data["seed"])
        return Response(RoundSerializer(rnd, context={"summaries": _summaries(request.user, [rnd])}).data,
                        status=status.HTTP_201_CREATED)


class _Lazy(dict):
    """Summaries computed for the rounds a page actually shows."""

    def __init__(self, user):
        super().__init__()
        self.user = user

    def __missing__(self, pk):
        self[pk] = selectors.round_summary(self.user, selectors.round_get(self.user, pk))
        return self[pk]


class RoundDetailView(generics.RetrieveAPIView):
    serializer_class = RoundSerializer
    permission_classes = [IsAuthenticated, STAFF]

    def get_object(self):
        return selectors.round_get(self.request.user, self.kwargs["pk"])

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "summaries": _Lazy(self.request.user)}


class CheckListView(generics.ListAPIView):
    """The sample of one round (`?answer=`, `?region=`)."""

    serializer_class = CheckSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filterset_class = CheckFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return VerificationCheck.objects.none()
        rnd = selectors.round_get(self.request.user, self.kwargs["pk"])
        return selectors.check_list(self.request.user, rnd).select_related("payment").order_by("region_id", "rank")


class CheckRecordView(APIView):
    """Record one answer: `{"answer": "received"|"amount_differs"|"not_received"|"unknown_person", "method":
    "visit"|"phone", "reported_amount"?, "note"?}`; a discrepancy opens a casework task (`case`)."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=RecordSerializer, responses=CheckSerializer)
    def post(self, request, pk):
        check = selectors.check_get(request.user, pk)
        data = RecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        check = services.verification_record(check=check, actor=request.user, **data.validated_data)
        return Response(CheckSerializer(check).data)
