from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.fields import IdNumberField, MaskedIdNumberField, MoneyField, RegionCodeField

from ..models import (
    DISABILITY_GRADES,
    HEALTH_STATES,
    Allocation,
    Area,
    Batch,
    Category,
    Household,
    Member,
    Payment,
    Scheme,
)


def _choice(choices, name: str):
    """A ChoiceField with its own enum identity in the schema (`x-spec-enum-id`), so the schema's enum
    naming does not collide with other apps' fields that are also called "category", "kind", "status"."""
    values = [value for value, _label in choices]
    cls = type(name, (serializers.ChoiceField,), {})
    return extend_schema_field({"type": "string", "enum": values, "x-spec-enum-id": f"assistance.{name}"})(cls)


AreaField = _choice(Area.choices, "HouseholdArea")
RelationField = _choice(Member.Relation.choices, "MemberRelation")
EnrolmentCategoryField = _choice(Category.choices, "EnrolmentCategory")
PaymentCategoryField = _choice(Category.choices, "PaymentCategory")
KindField = _choice(Scheme.Kind.choices, "SchemeKind")
UnitField = _choice(Scheme.Unit.choices, "SchemeUnit")
PaymentFormField = _choice(Scheme.PaymentForm.choices, "SchemePaymentForm")
BatchStatusField = _choice(Batch.Status.choices, "BatchStatus")
PaymentStatusField = _choice(Payment.Status.choices, "PaymentStatus")


@extend_schema_field({"type": "array", "minItems": 1, "items": {"type": "string", "enum": list(Category.values), "x-spec-enum-id": "assistance.SchemeCategories"},
                     "example": ["dibao", "tekun"]})
class CategoryListField(serializers.ListField):
    """Target categories: dibao / tekun / orphan / low_income."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.ChoiceField(choices=Category.choices), allow_empty=False, **kwargs)


class MemberInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    id_number = IdNumberField()
    relation = RelationField(choices=Member.Relation.choices)
    disability_grade = serializers.ChoiceField(choices=DISABILITY_GRADES, required=False, allow_blank=True,
                                               default="")
    health = serializers.ChoiceField(choices=HEALTH_STATES, required=False, allow_blank=True, default="")


class MemberOutSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    name = serializers.CharField(source="person.name")
    id_number = MaskedIdNumberField(source="person.id_number")
    relation = serializers.CharField()


class HouseholdCreateSerializer(serializers.Serializer):
    region = RegionCodeField()
    area = AreaField(choices=Area.choices)
    address = serializers.CharField(max_length=255)
    bank_account = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    locality = serializers.CharField(max_length=12, required=False, allow_blank=True, default="",
                                     help_text="街道（9位）或社区（12位）代码")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    members = MemberInSerializer(many=True, allow_empty=False)


class HouseholdSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.name")
    area = AreaField(choices=Area.choices)
    bank_account = serializers.CharField(source="masked_bank_account")
    head_name = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = ["id", "region", "region_name", "area", "address", "bank_account", "head_name", "members",
                  "created_at"]

    def get_head_name(self, obj) -> str:
        return obj.head.name if obj.head_id else ""

    def get_members(self, obj) -> list[dict]:
        current = getattr(obj, "current_members", None)
        if current is None:
            current = [m for m in obj.members.select_related("person").all() if m.left_on is None]
        return MemberOutSerializer(current, many=True).data


class EnrolmentCreateSerializer(serializers.Serializer):
    id_number = IdNumberField()
    category = EnrolmentCategoryField(choices=Category.choices)
    monthly_amount = MoneyField()
    start = serializers.DateField()
    end = serializers.DateField(required=False, allow_null=True, default=None)


class EnrolmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    household = serializers.IntegerField(source="household_id")
    id_number = MaskedIdNumberField(source="person.id_number")
    category = serializers.CharField()
    monthly_amount = MoneyField()
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True)
    status = serializers.CharField()


class SchemeSerializer(serializers.ModelSerializer):
    region = RegionCodeField()
    kind = KindField(choices=Scheme.Kind.choices)
    unit = UnitField(choices=Scheme.Unit.choices)
    payment_form = PaymentFormField(choices=Scheme.PaymentForm.choices, required=False, default=Scheme.PaymentForm.BANK)
    categories = CategoryListField()
    urban_amount = MoneyField()
    rural_amount = MoneyField()
    budget = MoneyField()
    reserved = MoneyField(read_only=True)
    paid = MoneyField(read_only=True)
    months = serializers.IntegerField(min_value=1, max_value=12, required=False, default=1)
    campaign = serializers.CharField(required=False, allow_blank=True, write_only=True,
                                     help_text="专项行动名称（不存在时自动创建）")
    campaign_name = serializers.CharField(source="campaign.name", read_only=True, default=None)

    class Meta:
        model = Scheme
        fields = ["id", "name", "kind", "region", "unit", "categories", "urban_amount", "rural_amount", "months",
                  "budget", "reserved", "paid", "deadline", "payment_form", "campaign", "campaign_name"]
        read_only_fields = ["id", "reserved", "paid"]


class BatchCreateSerializer(serializers.Serializer):
    scheme = serializers.IntegerField()
    region = RegionCodeField()
    period = serializers.CharField(max_length=7, required=False, default="once")


class BatchCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class BatchSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id")
    total_amount = MoneyField()
    paid_amount = MoneyField()
    status = BatchStatusField(choices=Batch.Status.choices)
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    approved_by = serializers.CharField(source="approved_by.username", allow_null=True, default=None)

    class Meta:
        model = Batch
        fields = ["id", "scheme", "region", "period", "status", "built_on", "recipient_count", "total_amount",
                  "paid_count", "paid_amount", "failed_count", "progress", "created_by", "approved_by", "topup_month",
                  "created_at", "approved_at", "finished_at"]


class PaymentSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id", allow_null=True)
    household = serializers.IntegerField(source="household_id")
    id_number = MaskedIdNumberField()
    amount = MoneyField()
    status = PaymentStatusField(choices=Payment.Status.choices)
    category = PaymentCategoryField(choices=Category.choices)

    class Meta:
        model = Payment
        fields = ["id", "person", "household", "name", "id_number", "amount", "category", "status", "attempts",
                  "reason", "region", "period", "paid_at"]


class AssistanceReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class BatchOpinionSerializer(serializers.Serializer):
    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class MeansTestRunSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, default=None)
    category = serializers.ChoiceField(choices=[("dibao", "城乡低保"), ("tekun", "特困人员")], required=False,
                                       default="dibao")


class MeansTestSerializer(serializers.Serializer):
    """A means test's result and everything it used (amounts in yuan strings)."""

    id = serializers.IntegerField()
    household = serializers.IntegerField(source="household_id")
    on = serializers.DateField()
    members = serializers.IntegerField()
    counted_income = MoneyField()
    per_capita_income = MoneyField()
    standard = MoneyField()
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    amount = MoneyField()
    inputs = serializers.JSONField()
    created_at = serializers.DateTimeField()


class AllocationSerializer(serializers.ModelSerializer):
    """Funds allocated to a region for a programme and year (`region` null: the central total)."""

    region = RegionCodeField(source="region_id", required=False, allow_null=True, default=None)
    amount = MoneyField()
    committed = MoneyField(read_only=True)

    class Meta:
        model = Allocation
        fields = ["id", "programme", "year", "region", "amount", "committed", "parent"]
        read_only_fields = ["id", "committed", "parent"]


class AllocationExecutionSerializer(AllocationSerializer):
    """An allocation with what the schemes drawing from it (or from allocations below it) have paid."""

    paid = MoneyField(read_only=True)

    class Meta(AllocationSerializer.Meta):
        fields = [*AllocationSerializer.Meta.fields, "paid"]
        read_only_fields = [*AllocationSerializer.Meta.read_only_fields, "paid"]
