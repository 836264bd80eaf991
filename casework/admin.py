"""Admin: registration; money and status read-only; state changes go through services (admin actions)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin_tools import ReadOnlyAdmin, run_action

from . import services
from .models import (
    Application,
    ColdWaveAlert,
    DiscoveryTask,
    Encounter,
    FastTrackPeriod,
    Inventory,
    Patrol,
    RegionPolicy,
    Shelter,
    TemporaryAid,
    UnidentifiedPerson,
    Visit,
)


@admin.register(RegionPolicy)
class RegionPolicyAdmin(admin.ModelAdmin):
    list_display = ["region", "normal_days", "fast_track_days", "small_aid_threshold", "yearly_cap", "patrols_per_day"]
    raw_id_fields = ["region"]


class CreateThroughServiceAdmin(ReadOnlyAdmin):
    """Admins add rows here, but the row is made by the service (rules, audit, side effects); no edits."""

    fields: list[str] = []
    raw_id_fields = ["region"]

    def has_add_permission(self, request, obj=None):
        return True

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class Checked(form):
            def clean(self):
                data = super().clean()
                if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
                    self.add_error("ends_on", _("结束日期不能早于开始日期。"))
                return data

        return Checked

    def create(self, request, data):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        created = self.create(request, form.cleaned_data)
        obj.pk = created.pk


@admin.register(FastTrackPeriod)
class FastTrackAdmin(CreateThroughServiceAdmin):
    list_display = ["name", "region", "starts_on", "ends_on"]
    fields = ["region", "name", "starts_on", "ends_on"]

    def create(self, request, data):
        return services.fast_track_create(region=data["region"].code, name=data["name"], starts_on=data["starts_on"],
                                          ends_on=data["ends_on"], actor=request.user)


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["id", "category", "region", "status", "received_on", "due_on", "fast_track"]
    list_filter = ["status", "category", "fast_track"]
    search_fields = ["person__name"]


@admin.action(description=_("事后复核：复核无误"))
def review_ok(modeladmin, request, queryset):
    run_action(modeladmin, request, queryset.filter(needs_review=True),
               lambda aid: services.temporary_aid_post_review(aid=aid, actor=request.user, outcome="confirmed",
                                                              note=_("管理后台复核")),
               _("已复核 %(n)d 笔临时救助。"))


@admin.register(TemporaryAid)
class TemporaryAidAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "form", "amount", "region", "status", "fast_track", "needs_review", "non_resident"]
    list_filter = ["status", "kind", "fast_track", "needs_review", "non_resident"]
    actions = [review_ok]

    def has_change_permission(self, request, obj=None):
        return obj is None and request.user.is_superuser


@admin.register(Shelter)
class ShelterAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "capacity", "occupancy", "active"]
    list_filter = ["kind", "active"]
    readonly_fields = ["occupancy"]
    raw_id_fields = ["region"]


@admin.register(Inventory)
class InventoryAdmin(ReadOnlyAdmin):
    list_display = ["name", "region", "food", "clothing", "bedding"]


@admin.register(Patrol)
class PatrolAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "region", "area", "leader", "vehicles_sent"]


@admin.register(Encounter)
class EncounterAdmin(ReadOnlyAdmin):
    list_display = ["at", "region", "location", "condition", "outcome", "food", "clothing", "bedding"]
    list_filter = ["outcome", "condition"]


@admin.register(UnidentifiedPerson)
class UnidentifiedAdmin(ReadOnlyAdmin):
    list_display = ["id", "region", "description", "linked_at"]


@admin.register(ColdWaveAlert)
class ColdWaveAlertAdmin(CreateThroughServiceAdmin):
    list_display = ["region", "level", "starts_on", "ends_on", "patrols_per_day"]
    fields = ["region", "level", "starts_on", "ends_on", "patrols_per_day"]

    def create(self, request, data):
        return services.cold_wave_alert_create(region=data["region"].code, level=data["level"],
                                               starts_on=data["starts_on"], ends_on=data["ends_on"],
                                               patrols_per_day=data["patrols_per_day"], actor=request.user)


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["visited_on", "household", "kind", "visitor", "cash"]


@admin.register(DiscoveryTask)
class DiscoveryTaskAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "region", "period", "status", "action"]
    list_filter = ["kind", "status"]
