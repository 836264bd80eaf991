"""Admin: browse and search only; changes go through the pages, the API and the services."""

from django.contrib import admin

from portal.admin_tools import ReadOnlyAdmin

from .models import Merchant, Redemption, Statement, Voucher, VoucherSweep, VoucherTerms


@admin.register(Merchant)
class MerchantAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "region", "active"]
    search_fields = ["code", "name"]
    list_filter = ["active"]


@admin.register(VoucherTerms)
class VoucherTermsAdmin(ReadOnlyAdmin):
    list_display = ["scheme", "face_value", "valid_days", "allow_partial"]


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin):
    list_display = ["masked_code", "scheme", "batch", "value", "redeemed", "returned", "expires_on", "status"]
    list_filter = ["status"]
    exclude = ["code", "id_number"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["voucher", "merchant", "amount", "at", "statement"]


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "region", "count", "amount", "status", "created_at"]
    list_filter = ["kind", "status"]


@admin.register(VoucherSweep)
class VoucherSweepAdmin(ReadOnlyAdmin):
    list_display = ["scheme", "on", "vouchers", "amount"]
