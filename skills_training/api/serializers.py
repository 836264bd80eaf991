from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.fields import IdNumberField, MaskedIdNumberField, MoneyField

from ..models import Assessment, Certificate, Diploma, RuleTemplate, Sitting, Title
from ..selectors import qr_token
from ..services import mask_name


@extend_schema_field({"type": "string", "pattern": "^(valid|revoked)$", "example": "valid", "description": "valid 有效 / revoked 已撤销"})
class CertificateStatusField(serializers.CharField):
    """Inline enum (not a named component: "status" enums of other apps would collide)."""


SCORE = {"max_digits": 5, "decimal_places": 2, "min_value": 0, "max_value": 100}


class AssessmentCreateSerializer(serializers.Serializer):
    candidate_id_number = IdNumberField()
    candidate_name = serializers.CharField(max_length=64)
    level = serializers.IntegerField(min_value=1, max_value=5)
    years_in_trade = serializers.DecimalField(max_digits=4, decimal_places=1, min_value=0, max_value=80)
    theory_score = serializers.DecimalField(**SCORE, required=False, allow_null=True,
                                            help_text=_("省略时沿用两年内合格的理论成绩（补考）"))
    practical_scores = serializers.ListField(
        child=serializers.DecimalField(**SCORE), required=False, allow_empty=True, allow_null=True,
        help_text=_("各考评员独立评分，奇数个且不少于3个；省略时沿用两年内合格的技能成绩"))
    review_score = serializers.DecimalField(**SCORE, required=False, allow_null=True,
                                            help_text=_("二级、一级须填写综合评审成绩"))
    rule_template = serializers.ChoiceField(choices=RuleTemplate.choices, required=False)
    diploma = serializers.ChoiceField(choices=Diploma.choices, required=False, default=Diploma.NONE)
    title = serializers.ChoiceField(choices=Title.choices, required=False, default=Title.NONE)
    institution = serializers.CharField(max_length=32, required=False, help_text=_("评价机构代码"))
    site_code = serializers.RegexField(r"^\d{1,3}$", required=False, default="001")
    sat_on = serializers.DateField(required=False)
    assessors = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    sitting = serializers.IntegerField(required=False, help_text=_("考试场次编号（可选）"))


class SittingSerializer(serializers.ModelSerializer):
    level = serializers.IntegerField(min_value=1, max_value=5, source="level.number")
    institution = serializers.CharField(source="institution.code", required=False, allow_null=True)
    invigilators = serializers.ListField(child=serializers.CharField(max_length=64), allow_empty=False)
    assessors = serializers.ListField(child=serializers.CharField(max_length=64), min_length=3)
    candidate_count = serializers.SerializerMethodField()

    class Meta:
        model = Sitting
        fields = ["id", "level", "sat_on", "institution", "region", "site_code", "invigilators", "assessors",
                  "candidate_count"]
        read_only_fields = ["id", "region", "candidate_count"]

    def get_candidate_count(self, obj) -> int:
        annotated = getattr(obj, "candidate_count", None)
        return annotated if annotated is not None else obj.assessments.count()


class CertificateSerializer(serializers.ModelSerializer):
    level = serializers.IntegerField(source="level.number", read_only=True)
    level_name = serializers.CharField(source="level.label", read_only=True)
    id_number = MaskedIdNumberField()
    verify_url = serializers.SerializerMethodField()
    status = CertificateStatusField(read_only=True)

    class Meta:
        model = Certificate
        fields = ["number", "status", "holder_name", "id_type", "id_number", "occupation", "occupation_code",
                  "level", "level_name", "evaluator_name", "evaluator_code", "issued_on", "revoked_at",
                  "revoke_reason", "reissue_count", "reissue_note", "verify_url"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_verify_url(self, obj) -> str:
        path = reverse("skills_training:verify-qr", args=[obj.number])
        return f"{settings.PORTAL_PUBLIC_BASE_URL.rstrip('/')}{path}?n={qr_token(obj.number)}"


class AssessmentSerializer(serializers.ModelSerializer):
    level = serializers.IntegerField(source="level.number", read_only=True)
    candidate_id_number = MaskedIdNumberField(source="candidate.id_number")
    practical_scores = serializers.SerializerMethodField()
    certificate = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = ["id", "passed", "candidate_name", "candidate_id_number", "level", "rule_template", "region",
                  "years_in_trade", "theory_score", "practical_scores", "practical_score", "review_score",
                  "theory_passed", "practical_passed", "review_passed", "sat_on", "certificate"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.DecimalField(max_digits=5, decimal_places=2)))
    def get_practical_scores(self, obj):
        return [str(s.score) for s in obj.assessor_scores.all()]

    @extend_schema_field(CertificateSerializer(allow_null=True))
    def get_certificate(self, obj):
        cert = Certificate.objects.filter(assessment=obj).select_related("level").first()
        return CertificateSerializer(cert).data if cert else None


class CertificateVerifyQuerySerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32, help_text=_("证书编号"))
    name = serializers.CharField(max_length=64, help_text=_("持证人姓名"))


class CertificateVerifyResultSerializer(serializers.Serializer):
    status = CertificateStatusField()
    number = serializers.CharField()
    level = serializers.IntegerField()
    level_name = serializers.CharField()
    occupation = serializers.CharField()
    issued_on = serializers.DateField()
    holder = serializers.CharField(help_text=_("脱敏姓名，如 王*国"))
    evaluator = serializers.CharField()
    revoked_at = serializers.DateTimeField(required=False)  # the status and its date; never the reason

    @staticmethod
    def from_certificate(cert: Certificate) -> dict:
        data = {"status": cert.status, "number": cert.number, "level": cert.level.number,
                "level_name": cert.level.label, "occupation": cert.occupation, "issued_on": cert.issued_on,
                "holder": mask_name(cert.holder_name), "evaluator": cert.evaluator_name}
        if cert.status == Certificate.Status.REVOKED:
            data.update(revoked_at=cert.revoked_at)
        return CertificateVerifyResultSerializer(data).data


class CertificateReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


# ---------------------------------------------------------------- the labour brand 亳州养生

class BrandTradeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    occupation = serializers.CharField()
    region = serializers.CharField(source="region_id")
    standard_code = serializers.SerializerMethodField()
    standard_name = serializers.SerializerMethodField()
    standard_note = serializers.CharField()
    description = serializers.CharField()

    def get_standard_code(self, obj) -> str | None:
        return obj.standard.code if obj.standard else None

    def get_standard_name(self, obj) -> str | None:
        return obj.standard.name if obj.standard else None


class BrandEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    name = serializers.CharField()
    held_on = serializers.DateField()
    place = serializers.CharField()
    region = serializers.CharField(source="region_id")
    trades = serializers.SerializerMethodField()
    participants = serializers.IntegerField()
    deals_signed = serializers.IntegerField()
    deal_amount = MoneyField()
    jobs_offered = serializers.IntegerField()
    note = serializers.CharField()

    def get_trades(self, obj) -> list[str]:
        return [t.code for t in obj.trades.all()]


class PilotRegionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    region = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.name")
    standard_code = serializers.CharField(source="standard.code")
    standard_name = serializers.CharField(source="standard.name")
    approved_by = serializers.CharField()
    approved_on = serializers.DateField(allow_null=True)
    note = serializers.CharField()
