"""Admin: the standard and its entry rules are editable data; scores and certificate status are read-only
and change only through the services (admin actions)."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from portal import pii
from portal.admin_tools import ReadOnlyAdmin, run_action
from portal.idnumber import mask
from portal.scoping import restrict

from . import services
from .models import (
    Assessment,
    AssessorScore,
    BrandEvent,
    BrandTrade,
    Certificate,
    CertificateSerial,
    ClassEnrolment,
    Competition,
    CompetitionEntry,
    EmploymentFollowUp,
    EntryRule,
    JudgeScore,
    Level,
    PilotRegion,
    PromotionRule,
    Referral,
    Sitting,
    Standard,
    TrainingClass,
    TrainingInstitution,
)


class _Scoped:
    """Lists only what the signed-in user's region covers (`portal.scoping.restrict`)."""

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user)


class ScopedAdmin(_Scoped, admin.ModelAdmin):
    pass


class ScopedReadOnlyAdmin(_Scoped, ReadOnlyAdmin):
    pass


class _DeletableByHand:
    """These rows could be deleted in the admin before the redesign; that stays so (behaviour unchanged).
    Whether they should be is an open question: a deletion bypasses the services and writes no audit row."""

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class LevelInline(admin.TabularInline):
    model = Level
    extra = 0
    fields = ["number", "name", "title", "requires_review"]


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "issued", "default_template", "active"]
    inlines = [LevelInline]


class EntryRuleInline(admin.TabularInline):
    model = EntryRule
    extra = 0
    fields = ["template", "position", "description", "min_years", "cert_level", "min_diploma", "min_age",
              "min_title", "training_completed"]


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ["standard", "number", "name", "title", "requires_review"]
    list_filter = ["standard"]
    inlines = [EntryRuleInline]


@admin.register(EntryRule)
class EntryRuleAdmin(admin.ModelAdmin):
    list_display = ["template", "level", "position", "description", "min_years", "cert_level", "min_diploma",
                    "min_age", "min_title", "training_completed"]
    list_filter = ["template", "level__number"]
    list_select_related = ["level"]
    search_fields = ["description"]


# institutions and classes are created and edited on the portal's pages (services: scope and audit)
@admin.register(TrainingInstitution)
class TrainingInstitutionAdmin(ScopedReadOnlyAdmin):
    list_display = ["code", "name", "region", "evaluator_type", "evaluator_code"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["region"]


@admin.register(TrainingClass)
class TrainingClassAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "institution", "level", "starts_on", "ends_on", "teacher", "capacity"]
    list_filter = ["level__number"]
    search_fields = ["name", "institution__name", "teacher"]
    list_select_related = ["institution", "level"]


@admin.register(ClassEnrolment)
class ClassEnrolmentAdmin(ScopedAdmin):
    list_display = ["training_class", "person", "attendance", "completed"]
    list_filter = ["completed"]
    raw_id_fields = ["person", "training_class"]
    list_select_related = ["training_class", "person"]


class AssessorScoreInline(_ReadOnlyInline):
    model = AssessorScore
    readonly_fields = ["position", "assessor", "score"]


@admin.register(Assessment)
class AssessmentAdmin(ScopedReadOnlyAdmin):
    list_display = ["candidate_name", "level", "sat_on", "theory_score", "practical_score", "review_score", "passed"]
    list_filter = ["passed", "level__number", "rule_template"]
    search_fields = ["candidate_name"]
    list_select_related = ["level"]
    inlines = [AssessorScoreInline]


@admin.register(Certificate)
class CertificateAdmin(ScopedReadOnlyAdmin):
    list_display = ["number", "holder_name", "masked_id", "level", "issued_on", "status"]
    list_filter = ["status", "level__number"]
    search_fields = ["=number", "holder_name"]
    list_select_related = ["level"]
    exclude = ["id_number"]
    actions = ["revoke_selected"]

    def get_readonly_fields(self, request, obj=None):
        return ["masked_id"] + pii.readable_fields(self.model, skip=("id_number",))

    @admin.display(description=_("证件号码"))
    def masked_id(self, obj):
        return mask(obj.id_number)

    @admin.action(description=_("撤销所选证书"))
    def revoke_selected(self, request, queryset):
        """First a page asking for the reason, then `certificate_revoke` for each valid certificate selected."""
        reason = (request.POST.get("reason") or "").strip()
        if request.POST.get("apply") and reason:
            run_action(self, request, queryset.filter(status=Certificate.Status.VALID),
                       lambda cert: services.certificate_revoke(number=cert.number, reason=reason, actor=request.user),
                       _("已撤销 %(n)d 张证书。"), label=lambda cert: cert.number)
            return None
        return TemplateResponse(request, "skills_training/admin_revoke.html", {
            **self.admin_site.each_context(request), "title": _("撤销证书"), "queryset": queryset,
            "opts": self.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })


@admin.register(CertificateSerial)
class CertificateSerialAdmin(_DeletableByHand, ReadOnlyAdmin):
    list_display = ["evaluator_code", "year", "level", "last_serial"]


@admin.register(PromotionRule)
class PromotionRuleAdmin(admin.ModelAdmin):
    list_display = ["region", "tier", "award", "levels_up", "grant_level", "highest_level", "active"]
    list_filter = ["tier", "award", "active"]
    autocomplete_fields = ["region"]


@admin.register(Competition)
class CompetitionAdmin(ScopedAdmin):
    list_display = ["name", "edition", "tier", "region", "held_on"]
    list_filter = ["tier"]
    search_fields = ["name"]
    autocomplete_fields = ["region"]


class JudgeScoreInline(_ReadOnlyInline):
    model = JudgeScore
    readonly_fields = ["judge", "score"]


@admin.register(CompetitionEntry)
class CompetitionEntryAdmin(ScopedAdmin):
    list_display = ["dish_name", "person", "competition", "final_score", "award", "certificate"]
    list_filter = ["award"]
    search_fields = ["dish_name", "person__name"]
    readonly_fields = ["final_score", "award", "certificate"]
    raw_id_fields = ["person", "competition"]
    inlines = [JudgeScoreInline]

    def has_add_permission(self, request):
        return False


@admin.register(EmploymentFollowUp)
class EmploymentFollowUpAdmin(_DeletableByHand, ScopedReadOnlyAdmin):
    list_display = ["person", "certificate", "followed_on", "outcome", "brand", "jobs_created"]
    list_filter = ["outcome", "brand"]
    raw_id_fields = ["person", "certificate"]


@admin.register(Sitting)
class SittingAdmin(_DeletableByHand, ScopedReadOnlyAdmin):
    list_display = ["sat_on", "level", "institution", "region", "site_code"]
    list_filter = ["level__number"]
    list_select_related = ["level", "institution", "region"]


@admin.register(Referral)
class ReferralAdmin(_DeletableByHand, ScopedReadOnlyAdmin):
    list_display = ["person", "region", "referred_by", "level_wanted", "created_at"]
    raw_id_fields = ["person"]
    list_select_related = ["person", "region", "referred_by"]


# the labour brand: edited on the brand pages (services), read here

@admin.register(BrandTrade)
class BrandTradeAdmin(ScopedReadOnlyAdmin):
    list_display = ["name", "code", "occupation", "standard", "standard_note", "region"]


@admin.register(BrandEvent)
class BrandEventAdmin(ScopedReadOnlyAdmin):
    list_display = ["held_on", "name", "kind", "place", "participants", "deals_signed", "jobs_offered"]
    list_filter = ["kind"]


@admin.register(PilotRegion)
class PilotRegionAdmin(ScopedReadOnlyAdmin):
    list_display = ["region", "standard", "approved_by", "approved_on"]
