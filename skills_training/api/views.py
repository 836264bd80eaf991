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
from ..models import Assessment, Certificate, Objection, Sitting, TrainingInstitution
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



# ---------------------------------------------------------------- a sitting's results as a whole

def _sitting_state(sitting: Sitting) -> dict:
    sitting.refresh_from_db()
    return {"id": sitting.pk, "results_published_at": sitting.results_published_at,
            "notice_until": sitting.notice_until, "notice_working_days": sitting.notice_working_days,
            "certificates_issued_at": sitting.certificates_issued_at,
            "candidates": [{"ticket_no": c.ticket_no, "seat": c.seat, "name": c.person.name}
                           for c in sitting.candidates.select_related("person")],
            "results": [{"id": a.pk, "name": a.candidate_name, "theory_score": str(a.theory_score),
                         "practical_score": str(a.practical_score), "passed": a.passed,
                         "scores": [{"assessor": x.assessor, "score": str(x.score)} for x in a.assessor_scores.all()],
                         "certificate": getattr(getattr(a, "certificate", None), "number", None),
                         "objections": [{"id": o.pk, "status": o.status, "reason": o.reason}
                                        for o in a.objections.all()]}
                        for a in sitting.assessments.prefetch_related("assessor_scores", "objections")
                        .select_related("certificate").order_by("id")]}


class SittingResultsView(APIView):
    """GET a sitting's candidates (admission tickets) and results list; POST an action on it:
    `{"action": "admit", "id_number", "name"}`, `{"action": "import"}` with a multipart `file` (CSV/XLSX score
    sheet, all or nothing), `{"action": "publish", "notice_working_days"?}`, `{"action": "objection",
    "assessment", "raised_by", "reason"}`, `{"action": "resolve", "objection", "upheld", "resolution"}`,
    `{"action": "issue"}` (after the notice period)."""

    permission_classes = [Staff]

    def _sitting(self, request, pk):
        return get_scoped_or_404(Sitting.objects.all(), request.user, pk=pk)

    @extend_schema(responses={200: OpenApiResponse(description="the sitting's tickets and results")})
    def get(self, request, pk):
        return Response(_sitting_state(self._sitting(request, pk)))

    @extend_schema(request=None, responses={200: OpenApiResponse(description="the sitting after the action")})
    def post(self, request, pk):
        sitting = self._sitting(request, pk)
        d, user = request.data, request.user
        action = d.get("action")
        if action == "admit":
            services.candidate_admit(sitting=sitting, id_number=d.get("id_number", ""), name=d.get("name", ""),
                                     actor=user)
        elif action == "import":
            upload = request.FILES.get("file")
            if upload is None:
                return Response({"file": [_("请上传成绩表（CSV 或 XLSX）。")]}, status=status.HTTP_400_BAD_REQUEST)
            services.sitting_results_import(sitting=sitting, rows=services.score_sheet_rows(
                upload.read(), upload.name, sitting), actor=user)
        elif action == "publish":
            services.sitting_results_publish(sitting=sitting, actor=user,
                                             notice_working_days=d.get("notice_working_days") or None)
        elif action == "objection":
            assessment = get_scoped_or_404(Assessment.objects.all(), user, pk=int(d.get("assessment") or 0),
                                           sitting=sitting)
            services.objection_record(assessment=assessment, raised_by=d.get("raised_by", ""),
                                      reason=d.get("reason", ""), actor=user)
        elif action == "resolve":
            objection = get_scoped_or_404(Objection.objects.all(), user, pk=int(d.get("objection") or 0),
                                          assessment__sitting=sitting)
            services.objection_resolve(objection=objection, upheld=str(d.get("upheld")).lower() in {"1", "true"},
                                       resolution=d.get("resolution", ""), actor=user)
        elif action == "issue":
            services.sitting_certificates_issue(sitting=sitting, actor=user)
        else:
            return Response({"action": [_("未知的操作。")]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(_sitting_state(sitting))


# ---------------------------------------------------------------- the labour brand 亳州养生

class BrandTradeListView(generics.ListAPIView):
    """The brand's trades (药膳, 药茶, 推拿 …), each with its occupational standard where one exists."""

    permission_classes = [Staff]
    filter_backends = []

    def get_queryset(self):
        return selectors.brand_trade_list(self.request.user)

    def get_serializer_class(self):
        from .serializers import BrandTradeSerializer

        return BrandTradeSerializer


class BrandEventListView(generics.ListAPIView):
    """Brand events (forums, expos, job fairs …): date, place, participants, deals signed, jobs offered."""

    permission_classes = [Staff]
    filter_backends = []

    def get_queryset(self):
        qs = selectors.brand_event_list(self.request.user)
        kind = self.request.query_params.get("kind")
        return qs.filter(kind=kind) if kind else qs

    def get_serializer_class(self):
        from .serializers import BrandEventSerializer

        return BrandEventSerializer

    @extend_schema(parameters=[OpenApiParameter("kind", str, description="forum | expo | job_fair | promotion")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PilotRegionListView(generics.ListAPIView):
    """Standard pilot regions (标准先行试点地区)."""

    permission_classes = [Staff]
    filter_backends = []

    def get_queryset(self):
        return selectors.pilot_region_list(self.request.user)

    def get_serializer_class(self):
        from .serializers import PilotRegionSerializer

        return PilotRegionSerializer
