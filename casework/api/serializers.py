"""Casework API shapes. Money is yuan strings ("800.00"); ID numbers are masked on the way out."""

from rest_framework import serializers

from portal.api.fields import IdNumberField, MaskedIdNumberField, MoneyField, RegionCodeField

from ..models import (
    AffectedHousehold,
    Application,
    ApplicationCategory,
    ApplicationDocument,
    DisasterEvent,
    DiscoveryTask,
    Encounter,
    Handover,
    HomeRegionNotice,
    Notice,
    NoticeFollowUp,
    Patrol,
    Shelter,
    ShelterStay,
    TemporaryAid,
    UnidentifiedPerson,
    Visit,
)


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationDocument
        fields = ["id", "kind", "original_name", "content_type", "size", "uploaded_at"]


class ApplicationSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    id_number = MaskedIdNumberField(source="person.id_number")
    region = serializers.CharField(source="region_id", read_only=True)
    requested_amount = MoneyField(read_only=True)
    approved_amount = MoneyField(read_only=True, allow_null=True)
    late = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True, read_only=True)
    received_by = serializers.CharField(source="received_by.username", read_only=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, allow_null=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Application
        fields = ["id", "name", "id_number", "household", "region", "category", "requested_amount", "reason",
                  "status", "received_on", "due_on", "fast_track", "late", "received_by", "reviewed_by",
                  "review_note", "decided_by", "approved_amount", "rejection_reason", "enrolment", "temporary_aid",
                  "documents"]
        read_only_fields = fields

    def get_late(self, obj) -> bool:
        return bool(getattr(obj, "late", False))


class ApplicationCreateSerializer(serializers.Serializer):
    id_number = IdNumberField()
    name = serializers.CharField(max_length=64)
    region = RegionCodeField()
    category = serializers.ChoiceField(choices=ApplicationCategory.choices)
    requested_amount = MoneyField(required=False, default=0)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    household = serializers.IntegerField(required=False, allow_null=True, default=None)
    received_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


class ConfirmSerializer(serializers.Serializer):
    approved_amount = MoneyField(required=False, allow_null=True, default=None)
    start = serializers.DateField(required=False, allow_null=True, default=None)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=ApplicationDocument.Kind.choices, required=False, default="other")


class TemporaryAidSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    id_number = MaskedIdNumberField(source="person.id_number")
    region = serializers.CharField(source="region_id", read_only=True)
    home_region = serializers.CharField(source="home_region_id", read_only=True, allow_null=True)
    amount = MoneyField(read_only=True)
    payment_reference = serializers.SerializerMethodField()

    class Meta:
        model = TemporaryAid
        fields = ["id", "name", "id_number", "region", "home_region", "non_resident", "kind", "form", "amount",
                  "goods", "reason", "status", "fast_track", "needs_review", "review_outcome", "review_note",
                  "granted_on", "rejection_reason", "payment_reference"]
        read_only_fields = fields

    def get_payment_reference(self, obj) -> str | None:
        payment = getattr(obj, "payment", None) if hasattr(obj, "payment") else None
        return payment.reference if payment else None


class TemporaryAidCreateSerializer(serializers.Serializer):
    id_number = IdNumberField()
    name = serializers.CharField(max_length=64)
    region = RegionCodeField()
    kind = serializers.ChoiceField(choices=TemporaryAid.Kind.choices)
    form = serializers.ChoiceField(choices=TemporaryAid.Form.choices, required=False, default="cash")
    amount = MoneyField()
    reason = serializers.CharField()
    goods = serializers.CharField(required=False, allow_blank=True, default="")


class PostReviewSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=TemporaryAid.ReviewOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


class EncounterSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True, allow_null=True)
    id_number = MaskedIdNumberField(source="person.id_number")
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = Encounter
        fields = ["id", "patrol", "region", "name", "id_number", "unidentified", "at", "location", "condition",
                  "notes", "food", "clothing", "bedding", "inventory", "outcome", "shelter", "help_contact",
                  "vulnerable", "escort_with", "handed_to", "handed_over_at"]
        read_only_fields = fields


class EncounterCreateSerializer(serializers.Serializer):
    patrol = serializers.IntegerField()
    at = serializers.DateTimeField()
    location = serializers.CharField(max_length=255)
    condition = serializers.ChoiceField(choices=Encounter.Condition.choices)
    outcome = serializers.ChoiceField(choices=Encounter.Outcome.choices)
    id_number = IdNumberField(required=False)
    name = serializers.CharField(required=False, allow_blank=True, default="")
    unidentified = serializers.IntegerField(required=False, allow_null=True, default=None)
    unidentified_description = serializers.CharField(required=False, allow_blank=True, default="")
    sex = serializers.ChoiceField(choices=[("M", "男"), ("F", "女")], required=False, allow_blank=True, default="")
    approx_age = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0, max_value=130)
    food = serializers.IntegerField(required=False, default=0, min_value=0)
    clothing = serializers.IntegerField(required=False, default=0, min_value=0)
    bedding = serializers.IntegerField(required=False, default=0, min_value=0)
    inventory = serializers.IntegerField(required=False, allow_null=True, default=None)
    shelter = serializers.IntegerField(required=False, allow_null=True, default=None)
    help_contact = serializers.CharField(required=False, allow_blank=True, default="")
    vulnerable = serializers.ChoiceField(choices=Encounter.Vulnerable.choices, required=False, allow_blank=True,
                                         default="")
    escort_with = serializers.ChoiceField(choices=Encounter.EscortWith.choices, required=False, allow_blank=True,
                                          default="")
    handed_to = serializers.CharField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class UnidentifiedSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    name = serializers.CharField(source="person.name", read_only=True, allow_null=True)
    id_number = MaskedIdNumberField(source="person.id_number")
    encounter_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = UnidentifiedPerson
        fields = ["id", "region", "description", "sex", "approx_age", "name", "id_number", "linked_at",
                  "encounter_count"]
        read_only_fields = fields


class LinkSerializer(serializers.Serializer):
    id_number = IdNumberField()
    name = serializers.CharField(max_length=64)


class ShelterSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = Shelter
        fields = ["id", "kind", "name", "region", "address", "capacity", "occupancy", "latitude", "longitude",
                  "phone", "active"]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    visitor = serializers.CharField(source="visitor.username", read_only=True)
    cash = MoneyField(read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "household", "region", "visited_on", "visitor", "kind", "notes", "goods", "cash"]
        read_only_fields = fields


class VisitCreateSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    visited_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=Visit.Kind.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    goods = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    cash = MoneyField(required=False, default=0)


class DiscoveryTaskSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    id_number = MaskedIdNumberField(source="person.id_number")
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = DiscoveryTask
        fields = ["id", "kind", "region", "name", "id_number", "household", "period", "evidence", "enrolment",
                  "alert", "status", "action", "action_ref", "dismiss_reason", "created_at", "resolved_at"]
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=DiscoveryTask.Action.choices, required=False, allow_blank=True,
                                     default="")
    action_ref = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    dismiss_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


class ReportQuerySerializer(serializers.Serializer):
    region = RegionCodeField(required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


# --------------------------------------------------------------------------- shelters day to day, patrols


class ShelterCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Shelter.Kind.choices)
    name = serializers.CharField(max_length=128)
    region = RegionCodeField()
    address = serializers.CharField(max_length=255)
    capacity = serializers.IntegerField(min_value=0)
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, default=None)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True,
                                         default=None)


class ShelterUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=128, required=False)
    address = serializers.CharField(max_length=255, required=False)
    capacity = serializers.IntegerField(min_value=0, required=False)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)


class StaySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True, allow_null=True)
    id_number = MaskedIdNumberField(source="person.id_number")
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = ShelterStay
        fields = ["id", "shelter", "region", "name", "id_number", "unidentified", "encounter", "checked_in_at",
                  "checked_out_at", "destination"]
        read_only_fields = fields


class CheckInSerializer(serializers.Serializer):
    id_number = IdNumberField(required=False)
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    unidentified = serializers.IntegerField(required=False, allow_null=True, default=None)
    unidentified_description = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CheckOutSerializer(serializers.Serializer):
    destination = serializers.CharField(max_length=255)
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class PatrolSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    leader = serializers.CharField(source="leader.username", read_only=True)
    staff = serializers.SerializerMethodField()
    encounter_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Patrol
        fields = ["id", "region", "area", "leader", "staff", "members", "started_at", "ended_at", "vehicle",
                  "vehicles_sent", "inventory", "encounter_count"]
        read_only_fields = fields

    def get_staff(self, obj) -> list[str]:
        return [m.user.username for m in obj.crew.all()]


class PatrolCreateSerializer(serializers.Serializer):
    region = RegionCodeField()
    area = serializers.CharField(max_length=255)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    members = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    staff = serializers.ListField(child=serializers.CharField(max_length=150), required=False, default=list,
                                  help_text="巡查人员的用户名（带队人自动计入）")
    vehicle = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    vehicles_sent = serializers.IntegerField(required=False, default=0, min_value=0)
    inventory = serializers.IntegerField(required=False, allow_null=True, default=None)


# --------------------------------------------------------------------------- hand-over between regions


class HandoverSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="subject_name", read_only=True)
    id_number = MaskedIdNumberField(source="person.id_number")
    from_region = serializers.CharField(source="from_region_id", read_only=True)
    to_region = serializers.CharField(source="to_region_id", read_only=True)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Handover
        fields = ["id", "name", "id_number", "unidentified", "encounter", "from_region", "to_region", "method",
                  "escort_by", "depart_at", "destination", "note", "ack_due_at", "status", "overdue",
                  "acknowledged_at", "ack_note", "completed_at", "completion_note"]
        read_only_fields = fields


class HandoverCreateSerializer(serializers.Serializer):
    region = RegionCodeField()
    to_region = RegionCodeField()
    method = serializers.ChoiceField(choices=Handover.Method.choices)
    escort_by = serializers.CharField(max_length=128)
    depart_at = serializers.DateTimeField()
    destination = serializers.CharField(max_length=255)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    id_number = IdNumberField(required=False)
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    unidentified = serializers.IntegerField(required=False, allow_null=True, default=None)
    encounter = serializers.IntegerField(required=False, allow_null=True, default=None)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


class HomeNoticeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    id_number = MaskedIdNumberField(source="person.id_number")
    region = serializers.CharField(source="region_id", read_only=True)
    from_region = serializers.CharField(source="from_region_id", read_only=True)
    amount = MoneyField(read_only=True)

    class Meta:
        model = HomeRegionNotice
        fields = ["id", "aid", "name", "id_number", "region", "from_region", "amount", "created_at",
                  "acknowledged_at", "follow_up", "follow_up_note"]
        read_only_fields = fields


class NoticeAckSerializer(serializers.Serializer):
    follow_up = serializers.ChoiceField(choices=NoticeFollowUp.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


# --------------------------------------------------------------------------- disaster-victim relief


class DisasterEventSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = DisasterEvent
        fields = ["id", "region", "kind", "name", "area", "occurred_on", "emergency_ends_on", "transition_ends_on"]
        read_only_fields = fields


class DisasterEventCreateSerializer(serializers.Serializer):
    region = RegionCodeField()
    kind = serializers.ChoiceField(choices=DisasterEvent.Kind.choices)
    name = serializers.CharField(max_length=128)
    area = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    occurred_on = serializers.DateField()
    emergency_ends_on = serializers.DateField()
    transition_ends_on = serializers.DateField()


class AffectedSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    id_number = MaskedIdNumberField(source="person.id_number")
    region = serializers.CharField(source="region_id", read_only=True)
    aid_total = MoneyField(read_only=True, default=0)

    class Meta:
        model = AffectedHousehold
        fields = ["id", "event", "region", "name", "id_number", "household", "people", "damage", "note", "review",
                  "review_opened_on", "outcome", "outcome_reason", "outcome_ref", "aid_total"]
        read_only_fields = fields


class AffectedCreateSerializer(serializers.Serializer):
    id_number = IdNumberField()
    name = serializers.CharField(max_length=64)
    people = serializers.IntegerField(min_value=1, max_value=50, default=1)
    damage = serializers.ChoiceField(choices=AffectedHousehold.Damage.choices)
    region = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()


class DisasterAidSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=[("emergency", "应急期"), ("transition", "过渡期")])
    amount = MoneyField()
    granted_on = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class DisasterReviewSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=AffectedHousehold.Outcome.choices)
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    ref = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class HeatingAidSerializer(serializers.Serializer):
    amount = MoneyField()
    reason = serializers.CharField(max_length=1000)


class SmsNoticeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = Notice
        fields = ["id", "kind", "name", "region", "household", "application", "aid", "channel", "text", "status",
                  "sender", "reference", "error", "attempts", "created_at", "sent_at"]
        read_only_fields = fields
