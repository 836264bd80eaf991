"""Thin API views: parse, call one service or selector, answer."""

from django.http import Http404
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from assistance.models import Household
from assistance.selectors import household_get
from portal.api.idempotency import idempotent
from portal.api.permissions import HasRole
from portal.dbrouter import replica_reads
from portal.roles import CIVIL_STAFF
from portal.scoping import get_scoped_or_404, region_in_scope, region_q

from .. import reports, selectors, services
from ..filters import ApplicationApiFilter, DiscoveryFilter, TemporaryAidFilter
from ..models import Inventory, Shelter
from .serializers import (
    AffectedCreateSerializer,
    AffectedSerializer,
    ApplicationCreateSerializer,
    ApplicationSerializer,
    CheckInSerializer,
    CheckOutSerializer,
    ConfirmSerializer,
    DisasterAidSerializer,
    DisasterEventCreateSerializer,
    DisasterEventSerializer,
    DisasterReviewSerializer,
    DiscoveryTaskSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    EncounterCreateSerializer,
    EncounterSerializer,
    HandoverCreateSerializer,
    HandoverSerializer,
    HeatingAidSerializer,
    HomeNoticeSerializer,
    ImportSerializer,
    LinkSerializer,
    NoteSerializer,
    NoticeAckSerializer,
    PatrolCreateSerializer,
    PatrolSerializer,
    PostReviewSerializer,
    ReasonSerializer,
    ReportQuerySerializer,
    ResolveSerializer,
    ReviewSerializer,
    ShelterCreateSerializer,
    ShelterSerializer,
    ShelterUpdateSerializer,
    SmsNoticeSerializer,
    StaySerializer,
    TemporaryAidCreateSerializer,
    TemporaryAidSerializer,
    UnidentifiedSerializer,
    VisitCreateSerializer,
    VisitSerializer,
)

# Who may use the casework API at all (as `role_required` on the pages). Which staff may make a given
# write (caseworker or approver, region, maker-checker) is the service's gate: no view checks it again.
STAFF = HasRole(*CIVIL_STAFF)


def _filtered(filterset_class, request, qs):
    fs = filterset_class(request.query_params, queryset=qs, request=request)
    if not fs.is_valid():
        raise DRFValidationError(fs.errors)
    return fs.qs


# --------------------------------------------------------------------------- applications


class ApplicationListCreateView(generics.ListCreateAPIView):
    """Applications in the user's region and below, due first; `late` marks open ones past their due date."""

    serializer_class = ApplicationSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        qs = selectors.application_list(self.request.user).prefetch_related("documents")
        return _filtered(ApplicationApiFilter, self.request, qs).order_by("due_on", "id")

    @extend_schema(parameters=[OpenApiParameter("status", str), OpenApiParameter("category", str),
                               OpenApiParameter("late", bool),
                               OpenApiParameter("search", str, description="姓名、完整身份证号码或后四位"),
                               OpenApiParameter("id_last4", str, description="身份证号码后四位")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationSerializer})
    def post(self, request, *args, **kwargs):
        data = ApplicationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        household = None
        if values.pop("household"):
            try:
                household = household_get(request.user, data.validated_data["household"])
            except Http404:
                raise DRFValidationError({"household": ["家庭不存在或不在您的管辖范围内。"]}) from None
        app = services.application_intake(actor=request.user, household=household, **values)
        return Response(ApplicationSerializer(selectors.application_get(request.user, app.pk)).data,
                        status=status.HTTP_201_CREATED)


class ApplicationDetailView(generics.RetrieveAPIView):
    serializer_class = ApplicationSerializer
    permission_classes = [IsAuthenticated, STAFF]

    def get_object(self):
        return selectors.application_get(self.request.user, self.kwargs["pk"])


class _ApplicationAction(APIView):
    permission_classes = [IsAuthenticated, STAFF]
    request_serializer = None

    def act(self, app, data):
        raise NotImplementedError

    def post(self, request, pk):
        app = selectors.application_get(request.user, pk)
        data = self.request_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.act(app, data.validated_data)
        return Response(ApplicationSerializer(selectors.application_get(request.user, pk)).data)


@extend_schema(request=ReviewSerializer, responses=ApplicationSerializer)
class ApplicationReviewView(_ApplicationAction):
    """审核: not by the caseworker who received it (403)."""

    request_serializer = ReviewSerializer

    def act(self, app, data):
        services.application_review(application=app, actor=self.request.user, note=data["note"])


@extend_schema(request=ConfirmSerializer, responses=ApplicationSerializer)
class ApplicationConfirmView(_ApplicationAction):
    """确认 by an approver who neither received nor reviewed it (403); creates the enrolment."""

    request_serializer = ConfirmSerializer

    def act(self, app, data):
        services.application_confirm(application=app, actor=self.request.user, **data)


@extend_schema(request=ReasonSerializer, responses=ApplicationSerializer)
class ApplicationRejectView(_ApplicationAction):
    """不予认定 with the reason the applicant is told."""

    request_serializer = ReasonSerializer

    def act(self, app, data):
        services.application_reject(application=app, actor=self.request.user, reason=data["reason"])


class ApplicationDocumentView(APIView):
    """Upload a supporting document (multipart `file`, `kind`): PDF/JPG/PNG up to 5 MB."""

    permission_classes = [IsAuthenticated, STAFF]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": DocumentUploadSerializer}, responses={201: DocumentSerializer})
    def post(self, request, pk):
        app = selectors.application_get(request.user, pk)
        data = DocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        doc = services.application_document_add(application=app, upload=data.validated_data["file"],
                                                kind=data.validated_data["kind"], actor=request.user)
        return Response(DocumentSerializer(doc).data, status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- temporary aid


class TemporaryAidListCreateView(generics.ListCreateAPIView):
    """临时救助. At or below the region's small-aid threshold: granted and paid at once (小额快救)."""

    serializer_class = TemporaryAidSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        qs = selectors.temporary_aid_list(self.request.user).select_related("payment")
        return _filtered(TemporaryAidFilter, self.request, qs).order_by("-id")

    @extend_schema(request=TemporaryAidCreateSerializer, responses={201: TemporaryAidSerializer})
    @idempotent
    def post(self, request, *args, **kwargs):
        data = TemporaryAidCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        aid = services.temporary_aid_create(actor=request.user, **data.validated_data)
        return Response(TemporaryAidSerializer(aid).data, status=status.HTTP_201_CREATED)


class TemporaryAidDetailView(generics.RetrieveAPIView):
    serializer_class = TemporaryAidSerializer
    permission_classes = [IsAuthenticated, STAFF]

    def get_object(self):
        return selectors.temporary_aid_get(self.request.user, self.kwargs["pk"])


class TemporaryAidApproveView(APIView):
    """Approve (and pay) an aid above the threshold; not by its maker (403)."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=None, responses=TemporaryAidSerializer)
    @idempotent
    def post(self, request, pk):
        aid = selectors.temporary_aid_get(request.user, pk)
        aid = services.temporary_aid_approve(aid=aid, actor=request.user)
        return Response(TemporaryAidSerializer(aid).data)


class TemporaryAidRejectView(APIView):
    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=ReasonSerializer, responses=TemporaryAidSerializer)
    def post(self, request, pk):
        aid = selectors.temporary_aid_get(request.user, pk)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        aid = services.temporary_aid_reject(aid=aid, actor=request.user, reason=data.validated_data["reason"])
        return Response(TemporaryAidSerializer(aid).data)


class TemporaryAidPostReviewView(APIView):
    """事后复核 of a 小额快救 by an approver."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=PostReviewSerializer, responses=TemporaryAidSerializer)
    def post(self, request, pk):
        aid = selectors.temporary_aid_get(request.user, pk)
        data = PostReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        aid = services.temporary_aid_post_review(aid=aid, actor=request.user, **data.validated_data)
        return Response(TemporaryAidSerializer(aid).data)


# --------------------------------------------------------------------------- street relief


class EncounterListCreateView(generics.ListCreateAPIView):
    serializer_class = EncounterSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        return selectors.encounter_list(self.request.user).order_by("-at", "-id")

    @extend_schema(request=EncounterCreateSerializer, responses={201: EncounterSerializer})
    def post(self, request, *args, **kwargs):
        data = EncounterCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        user = request.user
        patrol = selectors.patrol_get(user, values.pop("patrol"))
        refs = {}
        for field, qs in (("inventory", Inventory.objects.all()), ("shelter", Shelter.objects.all()),
                          ("unidentified", selectors.unidentified_list(user))):
            pk = values.pop(field)
            if pk:
                try:
                    refs[field] = get_scoped_or_404(qs, user, pk=pk)
                except Http404:
                    raise DRFValidationError({field: ["不存在或不在您的管辖范围内。"]}) from None
        enc = services.encounter_create(patrol=patrol, actor=user, **values, **refs)
        return Response(EncounterSerializer(enc).data, status=status.HTTP_201_CREATED)


class ShelterListView(generics.ListCreateAPIView):
    """Shelters, help points and guide points in your region and below; POST sets one up."""

    serializer_class = ShelterSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        return selectors.shelter_list(self.request.user).order_by("region_id", "name")

    @extend_schema(request=ShelterCreateSerializer, responses={201: ShelterSerializer})
    def post(self, request, *args, **kwargs):
        data = ShelterCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shelter = services.shelter_create(actor=request.user, **data.validated_data)
        return Response(ShelterSerializer(shelter).data, status=status.HTTP_201_CREATED)


class ShelterDetailView(APIView):
    """GET one shelter; PATCH (the region's approver): name, address, capacity, phone, active."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(responses=ShelterSerializer)
    def get(self, request, pk):
        return Response(ShelterSerializer(selectors.shelter_get(request.user, pk)).data)

    @extend_schema(request=ShelterUpdateSerializer, responses=ShelterSerializer)
    def patch(self, request, pk):
        shelter = selectors.shelter_get(request.user, pk)
        data = ShelterUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(ShelterSerializer(services.shelter_update(shelter=shelter, actor=request.user,
                                                                  **data.validated_data)).data)


class ShelterStayListView(generics.ListAPIView):
    """The stays of a shelter (occupancy history), open ones first; POST checks someone in."""

    serializer_class = StaySerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        shelter = selectors.shelter_get(self.request.user, self.kwargs["pk"])
        return selectors.stay_list(self.request.user).filter(shelter=shelter).order_by(
            "-checked_out_at", "-checked_in_at", "-id")

    @extend_schema(request=CheckInSerializer, responses={201: StaySerializer})
    def post(self, request, pk):
        shelter = selectors.shelter_get(request.user, pk)
        data = CheckInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if v not in (None, "")}
        if values.get("unidentified"):
            try:
                values["unidentified"] = selectors.unidentified_get(request.user, values["unidentified"])
            except Http404:
                raise DRFValidationError({"unidentified": ["不存在或不在您的管辖范围内。"]}) from None
        stay = services.shelter_check_in(shelter=shelter, actor=request.user, **values)
        return Response(StaySerializer(stay).data, status=status.HTTP_201_CREATED)


class StayCheckOutView(APIView):
    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=CheckOutSerializer, responses=StaySerializer)
    def post(self, request, pk):
        stay = selectors.stay_get(request.user, pk)
        data = CheckOutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if v is not None}
        return Response(StaySerializer(services.shelter_check_out(stay=stay, actor=request.user, **values)).data)


class PatrolListCreateView(generics.ListCreateAPIView):
    """Patrols in your region and below (with their crew: person-times); POST records one."""

    serializer_class = PatrolSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        return selectors.patrol_list(self.request.user).prefetch_related("crew__user").order_by("-started_at", "-id")

    @extend_schema(request=PatrolCreateSerializer, responses={201: PatrolSerializer})
    def post(self, request, *args, **kwargs):
        data = PatrolCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        names = values.pop("staff")
        staff = list(selectors.staff_choices(request.user).filter(username__in=names))
        missing = sorted(set(names) - {u.username for u in staff})
        if missing:
            raise DRFValidationError({"staff": [f"巡查人员不存在或不在您的管辖范围内：{'、'.join(missing)}"]})
        inventory = None
        if values.pop("inventory"):
            try:
                inventory = get_scoped_or_404(Inventory.objects.all(), request.user, pk=data.validated_data["inventory"])
            except Http404:
                raise DRFValidationError({"inventory": ["不存在或不在您的管辖范围内。"]}) from None
        patrol = services.patrol_create(actor=request.user, staff=staff, inventory=inventory, **values)
        return Response(PatrolSerializer(selectors.patrol_get(request.user, patrol.pk)).data,
                        status=status.HTTP_201_CREATED)


class PatrolDetailView(generics.RetrieveAPIView):
    serializer_class = PatrolSerializer
    permission_classes = [IsAuthenticated, STAFF]

    def get_object(self):
        return selectors.patrol_get(self.request.user, self.kwargs["pk"])


class PatrolComplianceView(APIView):
    """Patrols done per day against the expectation (`?region=&start=&end=`, at most 92 days)."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(parameters=[ReportQuerySerializer],
                   responses=inline_serializer("PatrolCompliance", {"days": serializers.ListField(
                       child=serializers.DictField())}))
    def get(self, request):
        region, start, end = report_params(request, request.query_params)
        days = selectors.patrol_compliance(request.user, region=region, start=start, end=end)
        return Response({"region": region, "days": [{**d, "day": d["day"].isoformat()} for d in days]})


class UnidentifiedListView(generics.ListAPIView):
    serializer_class = UnidentifiedSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        return selectors.unidentified_list(self.request.user).order_by("-id")


class UnidentifiedLinkView(APIView):
    """Link an unidentified person to a real person record; their encounters move to that person."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=LinkSerializer, responses=UnidentifiedSerializer)
    def post(self, request, pk):
        u = selectors.unidentified_get(request.user, pk)
        data = LinkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.unidentified_link(unidentified=u, actor=request.user, **data.validated_data)
        return Response(UnidentifiedSerializer(selectors.unidentified_list(request.user).get(pk=pk)).data)


# --------------------------------------------------------------------------- visits, discovery


class VisitListCreateView(generics.ListCreateAPIView):
    serializer_class = VisitSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        qs = selectors.visit_list(self.request.user).order_by("-visited_on", "-id")
        household = self.request.query_params.get("household")
        return qs.filter(household_id=household) if household and household.isdigit() else qs

    @extend_schema(request=VisitCreateSerializer, responses={201: VisitSerializer})
    def post(self, request, *args, **kwargs):
        data = VisitCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        try:
            household = household_get(request.user, values.pop("household"))
        except (Http404, Household.DoesNotExist):
            raise Http404 from None
        visit = services.visit_create(household=household, actor=request.user, **values)
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class DiscoveryTaskListView(generics.ListAPIView):
    """主动发现 tasks in the user's region and below; `?status=open`."""

    serializer_class = DiscoveryTaskSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        return _filtered(DiscoveryFilter, self.request, selectors.discovery_list(self.request.user))

    @extend_schema(parameters=[OpenApiParameter("status", str), OpenApiParameter("kind", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DiscoveryResolveView(APIView):
    """End a task in an action (`visit` / `temporary_aid` / `application` + its record id) or a dismissal."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=ResolveSerializer, responses=DiscoveryTaskSerializer)
    def post(self, request, pk):
        task = selectors.discovery_get(request.user, pk)
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.discovery_resolve(task=task, actor=request.user, **data.validated_data)
        return Response(DiscoveryTaskSerializer(task).data)


# --------------------------------------------------------------------------- reports


def report_params(request, params) -> tuple[str, object, object]:
    data = ReportQuerySerializer(data=params)
    data.is_valid(raise_exception=True)
    start, end = reports.default_period()
    start = data.validated_data.get("start", start)
    end = data.validated_data.get("end", end)
    if end < start:
        raise DRFValidationError({"end": ["结束日期不能早于开始日期。"]})
    region = data.validated_data.get("region") or request.user.region_id
    if not region:
        raise DRFValidationError({"region": ["请指定区域。"]})
    if not region_in_scope(request.user, region):
        raise Http404
    return region, start, end


class ReportView(APIView):
    """The seed's figures for a region (yours or below; `?region=`) and period (`?start=&end=`)."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(
        parameters=[ReportQuerySerializer],
        responses=inline_serializer("CaseworkReport", {
            "region": serializers.CharField(), "start": serializers.DateField(), "end": serializers.DateField(),
            "applications": serializers.DictField(), "temporary_aid": serializers.DictField(),
            "street": serializers.DictField(), "shelters": serializers.DictField(),
            "visits": serializers.DictField(), "disaster": serializers.DictField(), "aid_by_region": serializers.ListField(child=serializers.DictField()),
            "encounters_by_region": serializers.ListField(child=serializers.DictField()),
            "aid_by_kind": serializers.ListField(child=serializers.DictField()),
        }),
    )
    @method_decorator(replica_reads)
    def get(self, request):
        region, start, end = report_params(request, request.query_params)
        return Response(reports.as_json(selectors.report(request.user, region=region, start=start, end=end)))




# --------------------------------------------------------------------------- hand-over between regions


class HandoverListCreateView(generics.ListCreateAPIView):
    """Hand-overs from or to your region (`?side=in|out`, `?overdue=1`); POST hands a case over."""

    serializer_class = HandoverSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        user, params = self.request.user, self.request.query_params
        qs = selectors.handover_list(user)
        if user.region_id and params.get("side") == "in":
            qs = qs.filter(region_q("to_region_id", user.region_id))
        elif user.region_id and params.get("side") == "out":
            qs = qs.filter(region_q("from_region_id", user.region_id))
        if params.get("overdue"):
            qs = qs.filter(is_overdue=True)
        return qs.order_by("-created_at", "-id")

    @extend_schema(request=HandoverCreateSerializer, responses={201: HandoverSerializer})
    def post(self, request, *args, **kwargs):
        data = HandoverCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if v not in (None, "")}
        for field, get in (("unidentified", selectors.unidentified_get),
                           ("encounter", lambda u, pk: get_scoped_or_404(selectors.encounter_list(u), u, pk=pk))):
            if field in values:
                try:
                    values[field] = get(request.user, values[field])
                except Http404:
                    raise DRFValidationError({field: ["不存在或不在您的管辖范围内。"]}) from None
        h = services.handover_create(actor=request.user, **values)
        return Response(HandoverSerializer(h).data, status=status.HTTP_201_CREATED)


class HandoverDetailView(generics.RetrieveAPIView):
    serializer_class = HandoverSerializer
    permission_classes = [IsAuthenticated, STAFF]

    def get_object(self):
        return selectors.handover_get(self.request.user, self.kwargs["pk"])


class _HandoverAction(APIView):
    permission_classes = [IsAuthenticated, STAFF]
    service = None

    @extend_schema(request=NoteSerializer, responses=HandoverSerializer)
    def post(self, request, pk):
        h = selectors.handover_get(request.user, pk)
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        h = type(self).service(handover=h, actor=request.user, note=data.validated_data["note"])
        return Response(HandoverSerializer(h).data)


class HandoverAcknowledgeView(_HandoverAction):
    """签收 by the receiving region."""

    service = staticmethod(services.handover_acknowledge)


class HandoverCompleteView(_HandoverAction):
    """接收 (after 签收) by the receiving region; `note` says how the person was settled."""

    service = staticmethod(services.handover_complete)


class HomeNoticeListView(generics.ListAPIView):
    """急难发生地 aid notices about people of your region (and the ones your region sent)."""

    serializer_class = HomeNoticeSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        qs = selectors.home_notices(self.request.user).order_by("-id")
        return qs.filter(acknowledged_at__isnull=True) if self.request.query_params.get("open") else qs


class HomeNoticeAcknowledgeView(APIView):
    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=NoticeAckSerializer, responses=HomeNoticeSerializer)
    def post(self, request, pk):
        notice = selectors.home_notice_get(request.user, pk)
        data = NoticeAckSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.home_notice_acknowledge(notice=notice, actor=request.user, **data.validated_data)
        return Response(HomeNoticeSerializer(notice).data)


# --------------------------------------------------------------------------- disaster-victim relief


class DisasterEventListCreateView(generics.ListCreateAPIView):
    serializer_class = DisasterEventSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        return selectors.disaster_list(self.request.user).order_by("-occurred_on", "-id")

    @extend_schema(request=DisasterEventCreateSerializer, responses={201: DisasterEventSerializer})
    def post(self, request, *args, **kwargs):
        data = DisasterEventCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.disaster_event_create(actor=request.user, **data.validated_data)
        return Response(DisasterEventSerializer(event).data, status=status.HTTP_201_CREATED)


class AffectedListCreateView(generics.ListCreateAPIView):
    """The affected households of an event (`?review=open`); POST registers one."""

    serializer_class = AffectedSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        event = selectors.disaster_get(self.request.user, self.kwargs["pk"])
        qs = selectors.affected_list(self.request.user).filter(event=event).order_by("id")
        review = self.request.query_params.get("review")
        return qs.filter(review=review) if review in ("open", "done") else qs

    @extend_schema(request=AffectedCreateSerializer, responses={201: AffectedSerializer})
    def post(self, request, pk):
        event = selectors.disaster_get(request.user, pk)
        data = AffectedCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        a = services.disaster_household_add(event=event, actor=request.user, **data.validated_data)
        return Response(AffectedSerializer(selectors.affected_list(request.user).get(pk=a.pk)).data,
                        status=status.HTTP_201_CREATED)


class AffectedImportView(APIView):
    """List import (CSV/XLSX): answers the per-row report; good rows are saved, bad rows say why."""

    permission_classes = [IsAuthenticated, STAFF]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": ImportSerializer},
                   responses=inline_serializer("ImportReport", {"rows": serializers.ListField(
                       child=serializers.DictField())}))
    def post(self, request, pk):
        event = selectors.disaster_get(request.user, pk)
        data = ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.disaster_households_import(event=event, upload=data.validated_data["file"],
                                                     actor=request.user)
        return Response({"rows": report, "saved": sum(1 for r in report if r["ok"])})


class DisasterAidView(APIView):
    """Emergency- or transition-period living aid for an affected household (paid as temporary aid)."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=DisasterAidSerializer, responses={201: TemporaryAidSerializer})
    def post(self, request, pk):
        affected = selectors.affected_get(request.user, pk)
        data = DisasterAidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        aid = services.disaster_aid_pay(affected=affected, actor=request.user, **data.validated_data)
        return Response(TemporaryAidSerializer(aid).data, status=status.HTTP_201_CREATED)


class DisasterReviewView(APIView):
    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=DisasterReviewSerializer, responses=AffectedSerializer)
    def post(self, request, pk):
        affected = selectors.affected_get(request.user, pk)
        data = DisasterReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.disaster_review_resolve(affected=affected, actor=request.user, **data.validated_data)
        return Response(AffectedSerializer(selectors.affected_list(request.user).get(pk=pk)).data)


class HeatingAidView(APIView):
    """取暖临时救助 for a household no heating scheme covers this season."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=HeatingAidSerializer, responses={201: TemporaryAidSerializer})
    def post(self, request, pk):
        try:
            household = household_get(request.user, pk)
        except (Http404, Household.DoesNotExist):
            raise Http404 from None
        data = HeatingAidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        aid = services.heating_aid_grant(household=household, actor=request.user, **data.validated_data)
        return Response(TemporaryAidSerializer(aid).data, status=status.HTTP_201_CREATED)


class SmsNoticeListView(generics.ListAPIView):
    """Messages sent to applicants and households, with their status (`?application=`, `?aid=`, `?household=`,
    `?status=`)."""

    serializer_class = SmsNoticeSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        qs = selectors.sms_list(self.request.user).order_by("-id")
        for field in ("application", "aid", "household"):
            value = self.request.query_params.get(field, "")
            if value.isdigit():
                qs = qs.filter(**{f"{field}_id": int(value)})
        st = self.request.query_params.get("status")
        return qs.filter(status=st) if st else qs


class SmsResendView(APIView):
    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=None, responses=SmsNoticeSerializer)
    def post(self, request, pk):
        notice = selectors.sms_get(request.user, pk)
        return Response(SmsNoticeSerializer(services.notice_resend(notice=notice, actor=request.user)).data)
