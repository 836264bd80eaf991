"""Admin: money and status are read-only; changes go through services (admin actions, `run_action`)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from portal.admin_tools import ReadOnlyAdmin, run_action

from . import selectors, services
from .models import (
    Account,
    ClearingMonth,
    FraudAlert,
    FraudRule,
    Institution,
    Insured,
    InsuredStatusChange,
    LedgerEntry,
    PaymentCode,
    Relation,
    SettlementLine,
    SettlementRun,
    Spend,
)


@admin.register(Insured)
class InsuredAdmin(ReadOnlyAdmin):
    list_display = ["id", "person", "scheme", "region", "status", "wallet_opened", "created_at"]
    list_filter = ["scheme", "status", "wallet_opened"]
    search_fields = ["person__name", "=person__id_number", "region__code"]
    list_select_related = ["person", "region"]
    readonly_fields = ["person", "scheme", "region", "status", "wallet_opened", "created_at", "created_by"]


@admin.register(InsuredStatusChange)
class InsuredStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "insured", "from_status", "to_status", "reason", "actor"]
    list_select_related = ["insured__person", "actor"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "insured", "balance", "reserved", "updated_at"]
    list_select_related = ["insured__person"]
    search_fields = ["insured__person__name"]
    readonly_fields = ["insured", "balance", "reserved", "updated_at"]
    actions = ["verify_ledger_invariant"]

    @admin.action(description=_("核对账户与流水（余额 = 流水合计）"))
    def verify_ledger_invariant(self, request, queryset):
        bad = selectors.ledger_mismatches()
        if not bad:
            self.message_user(request, _("全部个人账户与流水一致。"), messages.SUCCESS)
        for row in bad[:50]:
            self.message_user(request, _("账户 #%(account)s：余额 %(balance)s，流水合计 %(ledger_balance)s；"
                                         "占用 %(reserved)s，流水合计 %(ledger_reserved)s") % row, messages.ERROR)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "at", "account", "kind", "amount", "reserved_delta", "balance_after", "reserved_after",
                    "relation", "spend"]
    list_filter = ["kind", "at"]
    list_select_related = ["account", "relation", "spend"]  # their __str__ are ids: no query a row
    show_full_result_count = False  # (a date hierarchy would scan every ledger row for its years)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "region", "kind", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Relation)
class RelationAdmin(ReadOnlyAdmin):
    list_display = ["id", "pooler", "beneficiary", "kinship", "quota", "used", "status", "created_at", "dissolved_at"]
    list_filter = ["status", "kinship"]
    list_select_related = ["pooler__person", "beneficiary__person"]
    readonly_fields = ["pooler", "beneficiary", "kinship", "quota", "used", "status", "created_at", "created_by",
                       "accepted_at", "accepted_by", "dissolved_at", "dissolved_by", "reason"]
    actions = ["dissolve"]

    @admin.action(description=_("解除所选共济关系（释放未使用额度）"))
    def dissolve(self, request, queryset):
        run_action(self, request, queryset.filter(status__in=services.OPEN_RELATION),
                   lambda relation: services.relation_dissolve(actor=request.user, relation=relation,
                                                               reason=_("管理员解除")),
                   _("已解除 %(n)d 个共济关系。"))


@admin.register(Spend)
class SpendAdmin(ReadOnlyAdmin):
    list_display = ["id", "occurred_at", "institution", "beneficiary", "category", "amount", "clearing_month",
                    "payer_region", "payee_region", "refund_of"]
    list_filter = ["category", "occurred_at"]
    list_select_related = ["institution", "beneficiary__person"]
    show_full_result_count = False  # (a date hierarchy would scan every spend for its years)


@admin.register(SettlementRun)
class SettlementRunAdmin(ReadOnlyAdmin):
    list_display = ["month", "status", "run_at", "spend_count", "spend_amount", "line_count", "line_amount"]


@admin.register(ClearingMonth)
class ClearingMonthAdmin(ReadOnlyAdmin):
    list_display = ["month", "status", "closed_at"]
    list_filter = ["status"]


@admin.register(PaymentCode)
class PaymentCodeAdmin(ReadOnlyAdmin):
    """Only the keyed hash is stored: nothing here can be used to pay."""

    list_display = ["id", "relation", "created_at", "expires_at", "used_at", "spend"]
    exclude = ["digest"]
    show_full_result_count = False


@admin.register(SettlementLine)
class SettlementLineAdmin(ReadOnlyAdmin):
    list_display = ["month", "payer_region", "payee_region", "count", "amount"]
    list_filter = ["month"]


@admin.register(FraudRule)
class FraudRuleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "params", "severity", "enabled"]
    list_filter = ["kind", "enabled"]
    list_editable = ["enabled"]


@admin.register(FraudAlert)
class FraudAlertAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "rule", "region_code", "insured", "status", "reviewed_by"]
    list_filter = ["status", "rule"]
    list_select_related = ["rule", "insured__person", "reviewed_by"]
