from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import pii, tokens
from .admin_tools import ReadOnlyAdmin, run_action
from .audit_actions import AuditAction
from .models import ApiToken, AuditEvent, Job, Person, Region, User
from .services import audit, audit_read


def _masked(field: str, value):
    """What an audit row keeps of a person's field: contact numbers masked to their last four digits."""
    if value is None or field != "phone":
        return value
    text = str(value)
    return "*" * max(len(text) - 4, 0) + text[-4:]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    readonly_fields = ["code", "name", "level", "parent", "longitude", "latitude"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "masked_id", "birth_date", "sex", "deceased_on"]
    search_fields = ["name", "name_pinyin", "=id_number"]
    list_filter = ["sex"]
    readonly_fields = ["id_number", "birth_date", "sex", "created_at", "updated_at"]

    @admin.display(description=_("身份证号码"))
    def masked_id(self, obj):
        return obj.masked_id

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Opening a person's page shows the full ID number: each opening is an audit row."""
        if request.method == "GET":
            person = self.get_object(request, unquote(object_id))
            if person is not None and self.has_view_or_change_permission(request, person):
                audit_read(actor=request.user, action=AuditAction.PERSON_VIEW, obj=person)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """An edit by hand is audited in the admin's transaction: which fields, before and after."""
        fields = list(form.changed_data)
        before = {f: _masked(f, form.initial.get(f)) for f in fields} if change else None
        super().save_model(request, obj, form, change)
        audit(actor=request.user, action=AuditAction.PERSON_CHANGE, obj=obj, before=before,
              after={f: _masked(f, form.cleaned_data.get(f)) for f in fields}, note="admin" if change else "admin add")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "role", "region", "institution_code", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name", "region__name"]
    autocomplete_fields = ["region"]
    raw_id_fields = ["person"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("平台角色"), {"fields": ("role", "region", "person", "institution_code")}),)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "region_code", "chain"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "action", "actor__username"]
    date_hierarchy = "at"

    def get_readonly_fields(self, request, obj=None):
        return pii.readable_fields(self.model)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["kind", "status"]

    def get_readonly_fields(self, request, obj=None):
        return pii.readable_fields(self.model)

    def has_add_permission(self, request):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """API tokens: only their first characters are known (the rest is a digest); revoking deletes them."""

    list_display = ["prefix", "user", "created_at", "expires_at"]
    search_fields = ["user__username", "prefix"]
    list_select_related = ["user"]
    fields = ["prefix", "user", "created_at", "expires_at"]
    actions = ["revoke_selected"]

    @admin.action(description=_("吊销所选令牌"))
    def revoke_selected(self, request, queryset):
        run_action(self, request, queryset.select_related("user"),
                   lambda t: tokens.revoke_token(t, actor=request.user), _("已吊销 %(n)d 个令牌。"),
                   label=lambda t: f"{t.prefix}…")
