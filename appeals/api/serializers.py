from rest_framework import serializers

from portal.api.fields import MaskedIdNumberField, MoneyField

from ..models import Appeal, VerificationCheck, VerificationRound


class AppealSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_number = MaskedIdNumberField(source="person.id_number")
    decision_amount = MoneyField(read_only=True, allow_null=True)
    requested_amount = MoneyField(read_only=True, allow_null=True)
    awarded_amount = MoneyField(read_only=True, allow_null=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    notice_status = serializers.CharField(source="notice.status", read_only=True, default=None)

    class Meta:
        model = Appeal
        fields = ["id", "kind", "status", "person_name", "person_id_number", "region", "application",
                  "household_enrolment", "spend", "decision_date", "decision_amount", "decided_by", "filed_on",
                  "filing_deadline", "on_behalf", "grounds", "requested_amount", "review_due", "overdue", "reviewer",
                  "outcome_reason", "decided_at", "awarded_amount", "effective_from", "remedy", "notice_status"]
        read_only_fields = fields


class AppealCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Appeal.Kind.choices)
    subject = serializers.IntegerField(min_value=1, help_text="申请编号 / 家庭救助认定编号 / 共济支付编号")
    grounds = serializers.CharField(max_length=2000)
    requested_amount = MoneyField(required=False, allow_null=True, default=None)
    filed_on = serializers.DateField(required=False, allow_null=True, default=None)


class DecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[(s, s) for s in Appeal.OUTCOMES])
    reason = serializers.CharField(max_length=255)
    awarded_amount = MoneyField(required=False, allow_null=True, default=None)
    effective_from = serializers.DateField(required=False, allow_null=True, default=None)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class RoundSerializer(serializers.ModelSerializer):
    checked = serializers.SerializerMethodField()
    discrepancies = serializers.SerializerMethodField()
    rate = serializers.SerializerMethodField()

    class Meta:
        model = VerificationRound
        fields = ["id", "batch", "region", "seed", "percent", "minimum", "population", "sample_size", "drawn_by",
                  "drawn_at", "checked", "discrepancies", "rate"]
        read_only_fields = fields

    def _summary(self, obj):
        return self.context["summaries"][obj.pk]

    def get_checked(self, obj) -> int:
        return self._summary(obj)["checked"]

    def get_discrepancies(self, obj) -> int:
        return self._summary(obj)["discrepancies"]

    def get_rate(self, obj) -> int:
        """Per cent of the sample answered."""
        return self._summary(obj)["rate"]


class DrawSerializer(serializers.Serializer):
    batch = serializers.IntegerField(min_value=1)
    seed = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class CheckSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="payment.name", read_only=True)
    id_number = MaskedIdNumberField(source="payment.id_number")
    amount = MoneyField(read_only=True)
    reported_amount = MoneyField(read_only=True, allow_null=True)

    class Meta:
        model = VerificationCheck
        fields = ["id", "round", "payment", "region", "household", "name", "id_number", "amount", "rank", "answer",
                  "method", "reported_amount", "note", "checked_by", "checked_at", "case"]
        read_only_fields = fields


class RecordSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=[c for c in VerificationCheck.Answer.values if c != "pending"])
    method = serializers.ChoiceField(choices=VerificationCheck.Method.values)
    reported_amount = MoneyField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
