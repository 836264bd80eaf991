from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from portal.api.idempotency import idempotent
from portal.api.permissions import HasRole
from portal.roles import Role
from portal.scoping import get_scoped_or_404

from .. import selectors, services
from ..filters import AssessmentFilter, CertificateFilter
from ..models import Certificate, Sitting, TrainingInstitution
from .serializers import (
    AssessmentCreateSerializer,
    AssessmentSerializer,
    CertificateReasonSerializer,
    CertificateSerializer,
    CertificateVerifyQuerySerializer,
    CertificateVerifyResultSerializer,
    SittingSerializer,
)

Staff = HasRole(Role.TRAINING_STAFF)


class AssessmentListCreateView(generics.ListCreateAPIView):
    """Assessments in the user's region; POST records a sitting (and issues the certificate on a pass)."""

    permission_classes = [Staff]
    filterset_class = AssessmentFilter
    search_fields = ["candidate_name"]
    ordering_fields = ["sat_on", "id"]

    def get_queryset(self):
        return selectors.assessment_list(self.request.user).prefetch_related("assessor_scores")

    def get_serializer_class(self):
        return AssessmentCreateSerializer if self.request.method == "POST" else AssessmentSerializer

    @extend_schema(request=AssessmentCreateSerializer, responses={201: AssessmentSerializer})
    @idempotent
    def post(self, request, *args, **kwargs):
        body = AssessmentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        code = data.pop("institution", None)
        institution = None
        if code:
            institution = get_scoped_or_404(TrainingInstitution.objects.all(), request.user, code=code)
        if data.get("sitting"):
            data["sitting"] = get_scoped_or_404(Sitting.objects.all(), request.user, pk=data["sitting"])
        assessment = services.assessment_record(
            candidate_id_number=data.pop("candidate_id_number"), candidate_name=data.pop("candidate_name"),
            institution=institution, actor=request.user, **data)
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)


class SittingListCreateView(generics.ListCreateAPIView):
    """Examination sittings: >= 1 invigilator per 15 theory candidates; an odd number >= 3 of assessors."""

    permission_classes = [Staff]
    serializer_class = SittingSerializer

    def get_queryset(self):
        return selectors.sitting_list(self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        code = (data.get("institution") or {}).get("code")
        institution = get_scoped_or_404(TrainingInstitution.objects.all(), self.request.user, code=code) if code else None
        serializer.instance = services.sitting_create(
            level=data["level"]["number"], sat_on=data["sat_on"], invigilators=data["invigilators"],
            assessors=data["assessors"], institution=institution, site_code=data.get("site_code", "001"),
            actor=self.request.user)


class AssessmentDetailView(generics.RetrieveAPIView):
    permission_classes = [Staff]
    serializer_class = AssessmentSerializer

    def get_queryset(self):
        return selectors.assessment_list(self.request.user).prefetch_related("assessor_scores")


class CertificateListView(generics.ListAPIView):
    permission_classes = [Staff]
    serializer_class = CertificateSerializer
    filterset_class = CertificateFilter
    ordering_fields = ["issued_on", "number"]

    def get_queryset(self):
        return selectors.certificate_list(self.request.user)


class CertificateDetailView(generics.RetrieveAPIView):
    permission_classes = [Staff]
    serializer_class = CertificateSerializer
    lookup_field = "number"

    def get_queryset(self):
        return selectors.certificate_list(self.request.user)


class CertificateVerifyView(APIView):
    """Public check of a certificate by number + holder name (no login; throttled)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "verify"

    @extend_schema(
        parameters=[OpenApiParameter("number", str, required=True, description="证书编号"),
                    OpenApiParameter("name", str, required=True, description="持证人姓名")],
        responses={200: CertificateVerifyResultSerializer, 404: OpenApiResponse(description="证书编号与姓名不匹配")},
        auth=[],
    )
    def get(self, request):
        query = CertificateVerifyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        cert = selectors.certificate_verify(query.validated_data["number"], query.validated_data["name"])
        if cert is None:
            raise NotFound(_("未查询到与该证书编号和姓名相符的证书，请核对后重试。"))
        return Response(CertificateVerifyResultSerializer.from_certificate(cert))


class _CertificateActionView(APIView):
    """POST {reason}: the certificate (404 outside the user's scope), then the one service call."""

    permission_classes = [Staff]
    service = None  # staticmethod(a service taking number=, reason=, actor=)

    @extend_schema(request=CertificateReasonSerializer, responses={200: CertificateSerializer})
    def post(self, request, number):
        cert = get_scoped_or_404(Certificate.objects.all(), request.user, number=number.strip().upper())
        body = CertificateReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cert = self.service(number=cert.number, reason=body.validated_data["reason"], actor=request.user)
        return Response(CertificateSerializer(cert).data)


class CertificateRevokeView(_CertificateActionView):
    """Revoke: the public verification then answers `revoked` and the date (never the reason)."""

    service = staticmethod(services.certificate_revoke)


class CertificateReissueView(_CertificateActionView):
    """Re-issue a lost/damaged certificate under the same number (a new 补发 note)."""

    service = staticmethod(services.certificate_reissue)
