from django.contrib import admin

from portal.admin_tools import ReadOnlyAdmin

from .models import Appeal, VerificationCheck, VerificationRound


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "status", "region", "filed_on", "review_due", "reviewer")
    list_filter = ("kind", "status")


@admin.register(VerificationRound)
class VerificationRoundAdmin(ReadOnlyAdmin):
    list_display = ("id", "batch", "region", "population", "sample_size", "seed", "drawn_at")


@admin.register(VerificationCheck)
class VerificationCheckAdmin(ReadOnlyAdmin):
    list_display = ("id", "round", "region", "rank", "amount", "answer", "checked_at")
    list_filter = ("answer",)
