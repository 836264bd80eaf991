from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.fields import IdNumberField, MaskedIdNumberField, MoneyField, RegionCodeField
from portal.money import yuan_str

from ..models import Insured, Kinship, OwnSpend, RegionRule, Relation, SettlementLine, Spend


def choice(choices, **kwargs):
    """A ChoiceField described by a pattern rather than an enum component: field names such as
    `status` or `category` are shared with other apps, and enum components would collide."""
    values = [value for value, _label in choices]

    @extend_schema_field({"type": "string", "pattern": "^(" + "|".join(values) + ")$",
                          "description": "; ".join(f"`{v}` {label}" for v, label in choices)})
    class _Choice(serializers.ChoiceField):
        pass

    return _Choice(choices=choices, **kwargs)


def _masked_name(name: str) -> str:
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else name


class InsuredCreateSerializer(serializers.Serializer):
    id_number = IdNumberField()
    name = serializers.CharField(max_length=64)
    scheme = choice(Insured.Scheme.choices)
    region = RegionCodeField(help_text="统筹地区代码，例如 610100")
    balance = MoneyField(required=False, help_text="个人账户期初余额（仅职工医保）")


class InsuredSerializer(serializers.ModelSerializer):
    id_number = MaskedIdNumberField(source="person.id_number")
    name = serializers.CharField(source="person.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    balance = serializers.SerializerMethodField()
    reserved = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()
    scheme = choice(Insured.Scheme.choices, read_only=True)
    status = choice(Insured.Status.choices, read_only=True)

    class Meta:
        model = Insured
        fields = ["id", "id_number", "name", "scheme", "region", "status", "wallet_opened",
                  "balance", "reserved", "available"]

    def _account(self, obj):
        return getattr(obj, "account", None) if obj.scheme == Insured.Scheme.EMPLOYEE else None

    def _money(self, obj, attr):
        account = self._account(obj)
        return yuan_str(getattr(account, attr) if account is not None else 0)

    def get_balance(self, obj) -> str:
        return self._money(obj, "balance")

    def get_reserved(self, obj) -> str:
        return self._money(obj, "reserved")

    def get_available(self, obj) -> str:
        return self._money(obj, "available")


class InsuredStatusSerializer(serializers.Serializer):
    status = choice(Insured.Status.choices)
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True)


class RelationSerializer(serializers.ModelSerializer):
    quota = MoneyField(read_only=True)
    used = MoneyField(read_only=True)
    remaining = MoneyField(read_only=True)
    pooler_name = serializers.SerializerMethodField()
    beneficiary_name = serializers.SerializerMethodField()
    pooler_region = serializers.CharField(source="pooler.region_id", read_only=True)
    beneficiary_region = serializers.CharField(source="beneficiary.region_id", read_only=True)
    status = choice(Relation.Status.choices, read_only=True)
    kinship = choice(Kinship.choices, read_only=True)

    class Meta:
        model = Relation
        fields = ["id", "status", "quota", "used", "remaining", "kinship", "pooler_name", "beneficiary_name",
                  "pooler_region", "beneficiary_region", "created_at", "accepted_at", "dissolved_at"]

    def get_pooler_name(self, obj) -> str:
        return _masked_name(obj.pooler.person.name)

    def get_beneficiary_name(self, obj) -> str:
        return _masked_name(obj.beneficiary.person.name)


class RelationCreateSerializer(serializers.Serializer):
    beneficiary_id_number = IdNumberField()
    beneficiary_name = serializers.CharField(max_length=64)
    kinship = choice(
        Kinship.choices,
        error_messages={"invalid_choice": "共济对象须为配偶、父母、子女、兄弟姐妹、祖父母、外祖父母、孙子女、外孙子女等近亲属。"},
    )
    quota = MoneyField()


class RelationQuotaSerializer(serializers.Serializer):
    quota = MoneyField()


class RelationDissolveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True)


class MeSerializer(serializers.Serializer):
    balance = MoneyField()
    reserved = MoneyField()
    available = MoneyField()
    scheme = serializers.CharField()
    status = serializers.CharField()
    region = serializers.CharField()
    wallet_opened = serializers.BooleanField()
    relations_out = RelationSerializer(many=True)
    relations_in = RelationSerializer(many=True)


class PaymentCodeRequestSerializer(serializers.Serializer):
    relation = serializers.IntegerField(min_value=1)


class PaymentCodeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="一次性付款码（18 位数字），只显示这一次")
    expires_at = serializers.DateTimeField()
    relation = serializers.IntegerField()


class SpendCreateSerializer(serializers.Serializer):
    payment_code = serializers.CharField(
        max_length=64, help_text="参保人出示的一次性付款码",
        error_messages={"required": "请输入参保人出示的付款码。", "blank": "请输入参保人出示的付款码。"})
    # optional; when sent they must match the code (a mismatch is the same generic refusal)
    relation = serializers.IntegerField(min_value=1, required=False)
    beneficiary_id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
    category = choice(Spend.Category.choices)
    amount = MoneyField()
    occurred_at = serializers.DateTimeField()


class PremiumCreateSerializer(serializers.Serializer):
    relation = serializers.IntegerField(min_value=1)
    premium_scheme = choice(Spend.PremiumScheme.choices,
                            error_messages={"invalid_choice": "缴费险种应为城乡居民基本医疗保险或长期护理保险。"})
    amount = MoneyField()
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class SpendSerializer(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    institution = serializers.CharField(source="institution.code", read_only=True, allow_null=True,
                                        help_text="null for a premium paid through the premium path")
    institution_name = serializers.CharField(source="institution.name", read_only=True, allow_null=True)
    premium_scheme = serializers.CharField(read_only=True)
    premium_year = serializers.IntegerField(read_only=True, allow_null=True)
    beneficiary_name = serializers.SerializerMethodField()
    remaining = serializers.SerializerMethodField()
    category = choice(Spend.Category.choices, read_only=True)
    refunded = serializers.SerializerMethodField()

    class Meta:
        model = Spend
        fields = ["id", "relation", "institution", "institution_name", "beneficiary_name", "category", "amount",
                  "premium_scheme", "premium_year", "occurred_at", "clearing_month", "payer_region", "payee_region", "remaining", "refunded",
                  "created_at"]

    def get_beneficiary_name(self, obj) -> str:
        return _masked_name(obj.beneficiary.person.name)

    def get_refunded(self, obj) -> bool:
        if hasattr(obj, "is_refunded"):
            return obj.is_refunded
        return obj.ledger.filter(kind="refund").exists()

    @extend_schema_field({"type": "string", "nullable": True})
    def get_remaining(self, obj) -> str | None:
        # the remaining quota is the two parties' and the officers' business: null for an institution
        request = self.context.get("request")
        if request is not None and getattr(request.user, "role", None) == "institution":
            return None
        return yuan_str(obj.relation.remaining)


_DATETIME = serializers.DateTimeField()


def spend_created_answer(spend, request) -> dict:
    """What SpendSerializer gives for a spend an institution has just recorded (same keys, same values:
    tests/medical_pooling/test_spend_queries.py compares them), without building a ModelSerializer per
    request: the spend path's hottest line. Not refunded; `remaining` is null for an institution."""
    institution = spend.institution
    remaining = None
    if getattr(request.user, "role", None) != "institution":
        remaining = yuan_str(spend.relation.remaining)
    return {
        "id": spend.pk, "relation": spend.relation_id,
        "institution": institution.code if institution is not None else None,
        "institution_name": institution.name if institution is not None else None,
        "beneficiary_name": _masked_name(spend.beneficiary.person.name), "category": spend.category,
        "amount": yuan_str(spend.amount), "premium_scheme": spend.premium_scheme, "premium_year": spend.premium_year,
        "occurred_at": _DATETIME.to_representation(spend.occurred_at), "clearing_month": spend.clearing_month,
        "payer_region": spend.payer_region, "payee_region": spend.payee_region, "remaining": remaining,
        "refunded": False, "created_at": _DATETIME.to_representation(spend.created_at),
    }


class SettlementMonthSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", error_messages={"invalid": "月份格式应为 YYYY-MM，例如 2026-01。"})


class SettlementRunResponseSerializer(serializers.Serializer):
    month = serializers.CharField()
    status = serializers.CharField()
    job = serializers.IntegerField()


class SettlementLineSerializer(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    month_status = serializers.SerializerMethodField(help_text="open 未清算 / clearing 清算中 / closed 已清算")

    class Meta:
        model = SettlementLine
        fields = ["month", "payer_region", "payee_region", "count", "amount", "month_status"]

    def get_month_status(self, obj) -> str:
        statuses = self.context.setdefault("month_statuses", {})
        if obj.month not in statuses:
            from ..services import clearing_month_status

            statuses[obj.month] = clearing_month_status(obj.month)
        return statuses[obj.month]


class ClearingMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    status = serializers.CharField(help_text="open 未清算 / clearing 清算中 / closed 已清算")
    closed_at = serializers.DateTimeField(allow_null=True)


class RegionRuleSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    cap_per_spend = MoneyField(read_only=True, allow_null=True)
    cap_per_month = MoneyField(read_only=True, allow_null=True)

    class Meta:
        model = RegionRule
        fields = ["region", "region_name", "categories", "cap_per_spend", "cap_per_month", "wallet_opened_on",
                  "claim_window_days", "updated_at"]


class RegionRuleWriteSerializer(serializers.Serializer):
    categories = serializers.ListField(child=choice(Spend.Category.choices), allow_empty=False)
    cap_per_spend = MoneyField(required=False, allow_null=True)
    cap_per_month = MoneyField(required=False, allow_null=True)
    wallet_opened_on = serializers.DateField(required=False, allow_null=True)
    claim_window_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=3650)


class OwnPaymentCodeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="本人付款码（18 位数字），只显示这一次")
    expires_at = serializers.DateTimeField()


class OwnSpendCreateSerializer(serializers.Serializer):
    payment_code = serializers.CharField(
        max_length=64, help_text="参保人出示的本人付款码",
        error_messages={"required": "请输入参保人出示的付款码。", "blank": "请输入参保人出示的付款码。"})
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True,
                                      help_text="参保人身份证号码（可选；填写时须与付款码一致）")
    category = choice([c for c in Spend.Category.choices if c[0] != "premium"])
    amount = MoneyField()
    occurred_at = serializers.DateTimeField()


class OwnSpendSerializer(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    institution = serializers.CharField(source="institution.code", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    name = serializers.SerializerMethodField()
    category = choice(Spend.Category.choices, read_only=True)

    class Meta:
        model = OwnSpend
        fields = ["id", "institution", "institution_name", "name", "category", "amount", "occurred_at", "created_at"]

    def get_name(self, obj) -> str:
        return _masked_name(obj.insured.person.name)


# ---------------------------------------------------------------- statistics for officers

class StatRegionsMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    opened = serializers.IntegerField()
    cumulative = serializers.IntegerField()


class StatRegionsSerializer(serializers.Serializer):
    before = serializers.IntegerField(help_text="opened before the range")
    total = serializers.IntegerField(help_text="opened by the end of the range")
    by_month = StatRegionsMonthSerializer(many=True)


class StatRelationsMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    created = serializers.IntegerField()
    within_province = serializers.IntegerField()
    across_provinces = serializers.IntegerField()


class StatRelationsSerializer(serializers.Serializer):
    pending = serializers.IntegerField()
    active = serializers.IntegerField()
    dissolved = serializers.IntegerField()
    created = serializers.IntegerField()
    within_province = serializers.IntegerField()
    across_provinces = serializers.IntegerField()
    by_month = StatRelationsMonthSerializer(many=True)


class StatSpendsMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    count = serializers.IntegerField(help_text="person-times (spends; refunds not counted)")
    amount = MoneyField(allow_negative=True, help_text="net of refunds")
    within_count = serializers.IntegerField()
    within_amount = MoneyField(allow_negative=True)
    across_count = serializers.IntegerField()
    across_amount = MoneyField(allow_negative=True)


class StatSpendsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    persons = serializers.IntegerField()
    amount = MoneyField(allow_negative=True)
    within_count = serializers.IntegerField()
    within_amount = MoneyField(allow_negative=True)
    across_count = serializers.IntegerField()
    across_amount = MoneyField(allow_negative=True)
    by_month = StatSpendsMonthSerializer(many=True)


class StatClearingSerializer(serializers.Serializer):
    cleared_count = serializers.IntegerField()
    cleared_amount = MoneyField(allow_negative=True)
    pending_count = serializers.IntegerField()
    pending_amount = MoneyField(allow_negative=True)


class StatPairSerializer(serializers.Serializer):
    payer_region = serializers.CharField()
    payer_name = serializers.CharField()
    payee_region = serializers.CharField()
    payee_name = serializers.CharField()
    across = serializers.BooleanField(help_text="the two regions are in different provinces")
    count = serializers.IntegerField()
    amount = MoneyField(allow_negative=True)
    cleared_amount = MoneyField(allow_negative=True)
    pending_amount = MoneyField(allow_negative=True)


class StatisticsSerializer(serializers.Serializer):
    month_from = serializers.CharField()
    month_to = serializers.CharField()
    province = serializers.CharField(allow_blank=True)
    regions_opened = StatRegionsSerializer()
    relations = StatRelationsSerializer()
    spends = StatSpendsSerializer()
    clearing = StatClearingSerializer()
    pairs = StatPairSerializer(many=True, help_text="the 20 largest region pairs; all at statistics/pairs/")
