"""Serializers: parse input (money as yuan strings into fen) and shape answers; no business rules."""

from rest_framework import serializers

from portal.api.fields import MaskedIdNumberField, MoneyField, RegionCodeField

from ..models import Merchant, Redemption, Statement, Voucher, VoucherTerms


class MerchantSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = Merchant
        fields = ["id", "code", "name", "region", "address", "phone", "active"]
        read_only_fields = fields


class MerchantCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=128)
    region = RegionCodeField()
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class ActiveSerializer(serializers.Serializer):
    active = serializers.BooleanField()


class VoucherTermsSerializer(serializers.ModelSerializer):
    face_value = MoneyField(required=False, default=0)
    valid_days = serializers.IntegerField(required=False, default=90)
    allow_partial = serializers.BooleanField(required=False, default=False)

    class Meta:
        model = VoucherTerms
        fields = ["scheme", "face_value", "valid_days", "allow_partial"]
        read_only_fields = ["scheme"]


class VoucherSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="masked_code", read_only=True)
    id_number = MaskedIdNumberField()
    value = MoneyField(read_only=True)
    redeemed = MoneyField(read_only=True)
    returned = MoneyField(read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = Voucher
        fields = ["id", "scheme", "batch", "payment", "seq", "region", "name", "id_number", "code", "value",
                  "redeemed", "returned", "expires_on", "status"]
        read_only_fields = fields


class RedeemSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    amount = MoneyField(required=False, allow_null=True, default=None)


class RedemptionSerializer(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    merchant = serializers.CharField(source="merchant.code", read_only=True)
    voucher = serializers.CharField(source="voucher.masked_code", read_only=True)
    value = MoneyField(source="voucher.value", read_only=True)
    statement = serializers.CharField(source="statement.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Redemption
        fields = ["id", "voucher", "merchant", "amount", "value", "at", "statement"]
        read_only_fields = fields


class StatementSerializer(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    counterparty = serializers.SerializerMethodField()

    class Meta:
        model = Statement
        fields = ["id", "number", "kind", "counterparty", "region", "until", "count", "amount", "status",
                  "reference", "created_at", "settled_at"]
        read_only_fields = fields

    def get_counterparty(self, obj) -> str:
        party = obj.merchant if obj.kind == Statement.Kind.MERCHANT else getattr(obj, "company", None)
        return party.code if party else ""


class StatementCreateSerializer(serializers.Serializer):
    """A merchant's statement (`merchant`) or a heating company's (`company`): one of the two."""

    merchant = serializers.IntegerField(required=False, allow_null=True, default=None)
    company = serializers.IntegerField(required=False, allow_null=True, default=None)

    def validate(self, data):
        if (data.get("merchant") is None) == (data.get("company") is None):
            raise serializers.ValidationError({"merchant": ["请指定商户或供热单位（二选一）。"]})
        return data

    until = serializers.DateTimeField(required=False, default=None)


class SettleSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=64, allow_blank=True)


# --------------------------------------------------------------------------- goods


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=64)
    unit = serializers.CharField(max_length=8)


class PointSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=128)
    region = RegionCodeField(source="region_id")
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class StockReceiveSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    quantity = serializers.IntegerField()
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class StockRowSerializer(serializers.Serializer):
    point = serializers.IntegerField(source="point.pk")
    point_name = serializers.CharField(source="point.name")
    item = serializers.CharField(source="item.name")
    stock_in = serializers.IntegerField()
    handed_out = serializers.IntegerField()
    on_hand = serializers.IntegerField()
    balanced = serializers.BooleanField()


class PackageLineSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    quantity = serializers.IntegerField()


class PackageSerializer(serializers.Serializer):
    lines = PackageLineSerializer(many=True)


class DistributionLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scheme = serializers.IntegerField(source="scheme_id")
    batch = serializers.IntegerField(source="batch_id")
    payment = serializers.IntegerField(source="payment_id")
    region = serializers.CharField(source="region_id")
    name = serializers.CharField()
    id_number = MaskedIdNumberField()
    status = serializers.CharField()
    point = serializers.IntegerField(source="point_id", allow_null=True)
    signer = serializers.CharField()
    signature_kind = serializers.CharField()
    handed_at = serializers.DateTimeField(allow_null=True)


class HandoverSerializer(serializers.Serializer):
    point = serializers.IntegerField()
    scan = serializers.FileField(required=False, allow_null=True, default=None)
    tablet_png = serializers.CharField(required=False, allow_blank=True, default="")
    proxy_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    proxy_id_number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


# --------------------------------------------------------------------------- heating


class CompanySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=128)
    region = RegionCodeField(source="region_id")
    contact = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class HeatingAccountSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    company = serializers.IntegerField()
    customer_number = serializers.CharField(max_length=32)


class WaiverLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    batch = serializers.IntegerField(source="batch_id")
    company = serializers.CharField(source="company.code")
    customer_number = serializers.CharField()
    name = serializers.CharField()
    amount = MoneyField()
    status = serializers.CharField()
    bill_number = serializers.CharField()
    statement = serializers.CharField(source="statement.number", allow_null=True, default=None)


class WaiverConfirmRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    customer_number = serializers.CharField(max_length=32)
    amount = MoneyField()
    bill_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class WaiverConfirmSerializer(serializers.Serializer):
    company = serializers.IntegerField()
    rows = WaiverConfirmRowSerializer(many=True)


class WaiverImportSerializer(serializers.Serializer):
    file = serializers.FileField()
