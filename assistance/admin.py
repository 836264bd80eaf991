"""Admin: browse and search everything; money and status are read-only; state changes only through
actions that call the services (so the same rules, locks and audit rows apply)."""

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portal import pii
from portal.admin_tools import ReadOnlyAdmin, run_action
from portal.models import AuditEvent
from portal.money import yuan_display

from . import services
from .models import Batch, Campaign, Enrolment, Household, Member, Payment, PaymentAttempt, Scheme


class ReadOnlyMoneyStatus(admin.ModelAdmin):
    money_fields: tuple = ()
    always_readonly: tuple = ()

    def get_readonly_fields(self, request, obj=None):
        return [*self.money_fields, *self.always_readonly]


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    raw_id_fields = ["person"]
    readonly_fields = ["person", "relation", "joined_on", "left_on"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyMoneyStatus):
    list_display = ["id", "head", "region", "area", "address", "created_at"]
    list_filter = ["area"]
    search_fields = ["address", "head__name", "=head__id_number"]
    list_select_related = ["region", "head"]
    list_per_page = 50  # the admin changelist renders in well under 300 ms on the demo data
    show_full_result_count = False
    raw_id_fields = ["region", "head", "created_by"]
    always_readonly = ("region", "area", "head", "created_by", "created_at", "audit_history")
    exclude = ["bank_account", "phone"]  # encrypted (portal.pii): never edited through a form showing the masked form
    inlines = [MemberInline]

    def has_add_permission(self, request):
        return False  # households are registered through the caseworker form / API (validation, audit)

    @admin.display(description=_("审计记录"))
    def audit_history(self, obj):
        """The household's audit rows and those of its enrolments (newest first), with a link to all of them."""
        if obj is None or obj.pk is None:
            return "—"
        enrolment_ids = [str(pk) for pk in Enrolment.objects.filter(household=obj).values_list("pk", flat=True)]
        events = list(AuditEvent.objects.filter(
            Q(object_type=Household._meta.label, object_id=str(obj.pk))
            | Q(object_type=Enrolment._meta.label, object_id__in=enrolment_ids)
        ).select_related("actor").order_by("-id")[:20])
        if not events:
            return _("暂无审计记录。")
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (f"{timezone.localtime(e.at):%Y-%m-%d %H:%M}", e.actor.get_full_name() or e.actor.username if e.actor else _("系统"),
             e.action, f"{e.object_type}#{e.object_id}") for e in events))
        link = reverse("admin:portal_auditevent_changelist") + (
            f"?object_type={Household._meta.label}&object_id={obj.pk}")
        return format_html(
            '<table class="audit-history"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
            '<tbody>{}</tbody></table><p><a href="{}">{}</a></p>',
            _("时间"), _("操作人"), _("操作"), _("对象"), rows, link, _("在审计记录中查看本户的全部记录"))


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyMoneyStatus):
    list_display = ["id", "person", "category", "amount", "start", "end", "status", "region"]
    list_filter = ["category", "status"]
    search_fields = ["=person__id_number", "person__name"]
    list_select_related = ["person", "region"]
    money_fields = ("monthly_amount", "status")
    always_readonly = ("person", "household", "region", "category", "start", "end", "created_by")

    @admin.display(description=_("月救助金额"))
    def amount(self, obj):
        return yuan_display(obj.monthly_amount)

    def has_add_permission(self, request):
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on"]
    search_fields = ["name"]


@admin.register(Scheme)
class SchemeAdmin(ReadOnlyMoneyStatus):
    list_display = ["id", "name", "kind", "unit", "region", "urban", "rural", "budget_y", "paid_y", "deadline"]
    list_filter = ["kind", "unit", "payment_form"]
    search_fields = ["name"]
    list_select_related = ["region"]
    money_fields = ("urban_amount", "rural_amount", "budget", "reserved", "paid", "months", "categories", "kind",
                    "unit", "region")
    always_readonly = ("created_by", "created_at")

    @admin.display(description=_("城市标准"))
    def urban(self, obj):
        return yuan_display(obj.urban_amount)

    @admin.display(description=_("农村标准"))
    def rural(self, obj):
        return yuan_display(obj.rural_amount)

    @admin.display(description=_("预算"))
    def budget_y(self, obj):
        return yuan_display(obj.budget)

    @admin.display(description=_("已发放"))
    def paid_y(self, obj):
        return yuan_display(obj.paid)

    def has_add_permission(self, request):
        return False  # created through the form / API (scheme_create)


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ["id", "scheme", "region", "status", "recipient_count", "total", "paid_count", "failed_count",
                    "created_by", "approved_by"]
    list_filter = ["status"]
    list_select_related = ["scheme", "region", "created_by", "approved_by"]
    actions = ["approve", "cancel", "resume"]

    def get_readonly_fields(self, request, obj=None):
        return pii.readable_fields(self.model)

    @admin.display(description=_("总金额"))
    def total(self, obj):
        return yuan_display(obj.total_amount)

    @admin.action(description=_("审批并发放所选批次（制单人除外）"))
    def approve(self, request, queryset):
        run_action(self, request, queryset, lambda b: services.batch_approve(batch=b, actor=request.user),
                   _("已审批 %(n)d 个批次。"))

    @admin.action(description=_("取消所选待审批批次"))
    def cancel(self, request, queryset):
        run_action(self, request, queryset,
                   lambda b: services.batch_cancel(batch=b, actor=request.user, reason="管理后台取消"),
                   _("已取消 %(n)d 个批次。"))

    @admin.action(description=_("继续生成/发放（中断后恢复）"))
    def resume(self, request, queryset):
        run_action(self, request, queryset, lambda b: services.batch_resume(batch=b, actor=request.user),
                   _("已重新排队 %(n)d 个批次。"))


class AttemptInline(admin.TabularInline):
    model = PaymentAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["channel", "outcome", "reference", "message", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "batch", "name", "masked", "amount_y", "category", "status", "attempts"]
    list_filter = ["status", "category"]
    search_fields = ["name", "=id_number"]
    list_select_related = ["batch__scheme", "batch__region"]  # Batch.__str__ shows both
    list_per_page = 50
    show_full_result_count = False
    exclude = ["id_number", "amount"]  # amount is shown (read-only) as yuan by amount_y
    inlines = [AttemptInline]
    actions = ["reissue", "cancel"]

    def get_readonly_fields(self, request, obj=None):
        return pii.readable_fields(self.model, skip=("id_number", "amount")) + ["masked",
                                                                                                    "amount_y"]

    @admin.display(description=_("身份证号码"))
    def masked(self, obj):
        return obj.masked_id

    @admin.display(description=_("金额"))
    def amount_y(self, obj):
        return yuan_display(obj.amount)

    @admin.action(description=_("重新发放所选失败明细"))
    def reissue(self, request, queryset):
        run_action(self, request, queryset, lambda p: services.payment_reissue(payment=p, actor=request.user),
                   _("已重新发放 %(n)d 笔。"))

    @admin.action(description=_("取消所选明细"))
    def cancel(self, request, queryset):
        run_action(self, request, queryset,
                   lambda p: services.payment_cancel(payment=p, actor=request.user, reason="管理后台取消"),
                   _("已取消 %(n)d 笔。"))


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyAdmin):
    list_display = ["id", "payment", "channel", "outcome", "reference", "at"]
    list_filter = ["channel", "outcome"]

    def get_readonly_fields(self, request, obj=None):
        return pii.readable_fields(self.model)

