"""Thin API views: parse, call one service or selector, answer."""

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from assistance.selectors import household_get, scheme_get
from portal.api.idempotency import idempotent
from portal.api.permissions import HasRole
from portal.roles import CIVIL_STAFF, Role

from .. import selectors, services
from ..filters import (
    DistributionFilter,
    MerchantFilter,
    RedemptionFilter,
    StatementFilter,
    VoucherFilter,
    WaiverFilter,
)
from .serializers import (
    ActiveSerializer,
    CompanySerializer,
    DistributionLineSerializer,
    HandoverSerializer,
    HeatingAccountSerializer,
    ItemSerializer,
    MerchantCreateSerializer,
    MerchantSerializer,
    PackageSerializer,
    PointSerializer,
    RedeemSerializer,
    RedemptionSerializer,
    SettleSerializer,
    StatementCreateSerializer,
    StatementSerializer,
    StockReceiveSerializer,
    StockRowSerializer,
    VoucherSerializer,
    VoucherTermsSerializer,
    WaiverConfirmSerializer,
    WaiverImportSerializer,
    WaiverLineSerializer,
)

# Who may reach an endpoint at all; which staff may make a given write is the service's gate.
STAFF = HasRole(*CIVIL_STAFF)
MERCHANT = HasRole(Role.MERCHANT)
STAFF_OR_MERCHANT = HasRole(*CIVIL_STAFF, Role.MERCHANT)
STAFF_OR_COMPANY = HasRole(*CIVIL_STAFF, Role.HEATING_COMPANY)
ANY_PARTY = HasRole(*CIVIL_STAFF, Role.MERCHANT, Role.HEATING_COMPANY)


def _filtered(filterset_class, request, qs):
    fs = filterset_class(request.query_params, queryset=qs, request=request)
    if not fs.is_valid():
        raise DRFValidationError(fs.errors)
    return fs.qs


class MerchantListCreateView(generics.ListCreateAPIView):
    """签约商户: staff register shops that may take vouchers."""

    serializer_class = MerchantSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        return _filtered(MerchantFilter, self.request, selectors.merchant_list(self.request.user))

    @extend_schema(request=MerchantCreateSerializer, responses={201: MerchantSerializer})
    def post(self, request, *args, **kwargs):
        data = MerchantCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        merchant = services.merchant_register(actor=request.user, **data.validated_data)
        return Response(MerchantSerializer(merchant).data, status=status.HTTP_201_CREATED)


class MerchantActiveView(APIView):
    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=ActiveSerializer, responses=MerchantSerializer)
    def post(self, request, pk):
        merchant = selectors.merchant_get(request.user, pk)
        data = ActiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        merchant = services.merchant_set_active(merchant=merchant, actor=request.user, **data.validated_data)
        return Response(MerchantSerializer(merchant).data)


class VoucherTermsView(APIView):
    """消费券规则 of a voucher scheme: face value (0: one voucher per payment), validity, partial redemption."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=VoucherTermsSerializer, responses=VoucherTermsSerializer)
    def put(self, request, pk):
        scheme = scheme_get(request.user, pk)
        data = VoucherTermsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        terms = services.voucher_terms_set(scheme=scheme, actor=request.user, **data.validated_data)
        return Response(VoucherTermsSerializer(terms).data)


class VoucherListView(generics.ListAPIView):
    """Vouchers in the user's region (codes masked: full codes only on the audited print page)."""

    serializer_class = VoucherSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        return _filtered(VoucherFilter, self.request, selectors.voucher_list(self.request.user)).order_by("id")


class RedemptionListCreateView(generics.ListCreateAPIView):
    """核销: a merchant redeems a code (once, ever); staff and merchants list what they may see."""

    serializer_class = RedemptionSerializer
    permission_classes = [IsAuthenticated, STAFF_OR_MERCHANT]
    filter_backends = []

    def get_queryset(self):
        return _filtered(RedemptionFilter, self.request, selectors.redemption_list(self.request.user))

    @extend_schema(request=RedeemSerializer, responses={201: RedemptionSerializer})
    @idempotent
    def post(self, request, *args, **kwargs):
        data = RedeemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        redemption = services.voucher_redeem(actor=request.user, **data.validated_data)
        return Response(RedemptionSerializer(redemption).data, status=status.HTTP_201_CREATED)


class StatementListCreateView(generics.ListCreateAPIView):
    serializer_class = StatementSerializer
    permission_classes = [IsAuthenticated, ANY_PARTY]
    filter_backends = []

    def get_queryset(self):
        return _filtered(StatementFilter, self.request, selectors.statement_list(self.request.user))

    @extend_schema(request=StatementCreateSerializer, responses={201: StatementSerializer})
    @idempotent
    def post(self, request, *args, **kwargs):
        data = StatementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not request.user.has_role(*CIVIL_STAFF):
            self.permission_denied(request)
        if data.validated_data["company"] is not None:
            company = selectors.company_get(request.user, data.validated_data["company"])
            statement = services.heating_statement_create(company=company, actor=request.user)
        else:
            merchant = selectors.merchant_get(request.user, data.validated_data["merchant"])
            statement = services.merchant_statement_create(merchant=merchant, until=data.validated_data["until"],
                                                           actor=request.user)
        return Response(StatementSerializer(statement).data, status=status.HTTP_201_CREATED)


class StatementDetailView(generics.RetrieveAPIView):
    serializer_class = StatementSerializer
    permission_classes = [IsAuthenticated, ANY_PARTY]

    def get_object(self):
        return selectors.statement_get(self.request.user, self.kwargs["pk"])


class StatementSettleView(APIView):
    """The approver confirms payment of a statement; not its maker (403)."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=SettleSerializer, responses=StatementSerializer)
    @idempotent
    def post(self, request, pk):
        statement = selectors.statement_get(request.user, pk)
        data = SettleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        statement = services.statement_settle(statement=statement, actor=request.user, **data.validated_data)
        return Response(StatementSerializer(statement).data)


# --------------------------------------------------------------------------- goods


def _item(pk):
    item = selectors.item_list().filter(pk=pk).first()
    if item is None:
        raise DRFValidationError({"item": ["未知的物资。"]})
    return item


class ItemListCreateView(generics.ListCreateAPIView):
    serializer_class = ItemSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        return selectors.item_list()

    def perform_create(self, serializer):
        serializer.instance = services.item_create(actor=self.request.user, **serializer.validated_data)


class PointListCreateView(generics.ListCreateAPIView):
    serializer_class = PointSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        return selectors.point_list(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.point_create(actor=self.request.user, region=data.pop("region_id"), **data)


class StockReceiveView(APIView):
    """入库 at a point."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=StockReceiveSerializer, responses={201: StockRowSerializer})
    @idempotent
    def post(self, request, pk):
        point = selectors.point_get(request.user, pk)
        data = StockReceiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stock = services.stock_receive(point=point, item=_item(data.validated_data["item"]), actor=request.user,
                                       quantity=data.validated_data["quantity"], note=data.validated_data["note"])
        row = next(r for r in selectors.stock_reconciliation(request.user) if r["point"].pk == point.pk
                   and r["item"].pk == stock.item_id)
        return Response(StockRowSerializer(row).data, status=status.HTTP_201_CREATED)


class StockView(APIView):
    """Stock per point and item: in, handed out, on hand, and whether they reconcile."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(responses=StockRowSerializer(many=True))
    def get(self, request):
        return Response(StockRowSerializer(selectors.stock_reconciliation(request.user), many=True).data)


class PackageView(APIView):
    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=PackageSerializer, responses=PackageSerializer)
    def put(self, request, pk):
        scheme = scheme_get(request.user, pk)
        data = PackageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lines = [(_item(line["item"]), line["quantity"]) for line in data.validated_data["lines"]]
        made = services.package_set(scheme=scheme, lines=lines, actor=request.user)
        return Response({"lines": [{"item": m.item_id, "quantity": m.quantity} for m in made]})


class DistributionListView(generics.ListAPIView):
    serializer_class = DistributionLineSerializer
    permission_classes = [IsAuthenticated, STAFF]
    filter_backends = []

    def get_queryset(self):
        return _filtered(DistributionFilter, self.request, selectors.distribution_list(self.request.user)).order_by("id")


class HandoverView(APIView):
    """Hand over a recipient's goods: multipart with `scan` (a signed receipt) or `tablet_png` (a data URL)."""

    permission_classes = [IsAuthenticated, STAFF]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=HandoverSerializer, responses=DistributionLineSerializer)
    @idempotent
    def post(self, request, pk):
        line = selectors.distribution_line_get(request.user, pk)
        data = HandoverSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        point = selectors.point_list(request.user).filter(pk=values.pop("point")).first()
        if point is None:
            raise DRFValidationError({"point": ["未知的发放点。"]})
        line = services.handover_record(line=line, point=point, actor=request.user, **values)
        return Response(DistributionLineSerializer(line).data)


# --------------------------------------------------------------------------- heating


class CompanyListCreateView(generics.ListCreateAPIView):
    """供热单位: staff register them; a company's user sees its own."""

    serializer_class = CompanySerializer
    permission_classes = [IsAuthenticated, STAFF_OR_COMPANY]
    filter_backends = []

    def get_queryset(self):
        return selectors.company_list(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.company_register(actor=self.request.user, region=data.pop("region_id"), **data)


class HeatingAccountView(APIView):
    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(request=HeatingAccountSerializer, responses={201: HeatingAccountSerializer})
    def post(self, request):
        data = HeatingAccountSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        household = household_get(request.user, data.validated_data["household"])
        company = selectors.company_get(request.user, data.validated_data["company"])
        account = services.heating_account_set(household=household, company=company, actor=request.user,
                                               customer_number=data.validated_data["customer_number"])
        return Response({"household": account.household_id, "company": account.company_id,
                         "customer_number": account.customer_number}, status=status.HTTP_201_CREATED)


class WaiverListView(generics.ListAPIView):
    serializer_class = WaiverLineSerializer
    permission_classes = [IsAuthenticated, STAFF_OR_COMPANY]
    filter_backends = []

    def get_queryset(self):
        return _filtered(WaiverFilter, self.request, selectors.waiver_list(self.request.user)).order_by("id")


class WaiverExportView(APIView):
    """The company's waiting list as a file (`?file=csv|xlsx`; not `format`, which DRF keeps for renderers);
    audited."""

    permission_classes = [IsAuthenticated, STAFF]

    @extend_schema(responses={(200, "text/csv"): bytes})
    def get(self, request, pk):
        company = selectors.company_get(request.user, pk)
        data, ext = services.waiver_export(company=company, actor=request.user,
                                           fmt=request.query_params.get("file", "csv"))
        response = HttpResponse(data, content_type="text/csv; charset=utf-8" if ext == "csv" else
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="waivers-{company.code}.{ext}"'
        return response


class WaiverConfirmView(APIView):
    """The company (its user, or staff entering its answer) confirms reduced bills: all rows or none."""

    permission_classes = [IsAuthenticated, STAFF_OR_COMPANY]

    @extend_schema(request=WaiverConfirmSerializer, responses={200: None})
    @idempotent
    def post(self, request):
        data = WaiverConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        company = selectors.company_get(request.user, data.validated_data["company"])
        n = services.waiver_confirm(company=company, rows=data.validated_data["rows"], actor=request.user)
        return Response({"confirmed": n})


class WaiverImportView(APIView):
    permission_classes = [IsAuthenticated, STAFF_OR_COMPANY]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=WaiverImportSerializer, responses={200: None})
    @idempotent
    def post(self, request, pk):
        company = selectors.company_get(request.user, pk)
        data = WaiverImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        n = services.waiver_import(company=company, data=upload.read(), filename=upload.name, actor=request.user)
        return Response({"confirmed": n})
