"""Every read of medical_pooling starts from portal.scoping.restrict."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from portal.scoping import restrict

from .models import (
    Account,
    ClearingMonth,
    FraudAlert,
    Institution,
    Insured,
    LedgerEntry,
    OwnSpend,
    RegionRule,
    Relation,
    SettlementLine,
    SettlementRun,
    Spend,
)


def insured_list(user) -> QuerySet:
    return restrict(Insured.objects.select_related("person", "region", "account"), user)


def insured_of_user(user) -> Insured | None:
    if not getattr(user, "person_id", None):
        return None
    return restrict(Insured.objects.select_related("person", "region"), user).filter(person_id=user.person_id).first()


def account_of(insured: Insured) -> Account | None:
    return Account.objects.filter(insured=insured).first()


def relation_list(user) -> QuerySet:
    return restrict(Relation.objects.select_related("pooler__person", "beneficiary__person"), user).order_by("-id")


def relations_of(insured: Insured) -> tuple[list[Relation], list[Relation]]:
    qs = Relation.objects.select_related("pooler__person", "beneficiary__person").order_by("status", "-id")
    return list(qs.filter(pooler=insured)), list(qs.filter(beneficiary=insured))


def spend_list(user) -> QuerySet:
    refunded = LedgerEntry.objects.filter(spend=OuterRef("pk"), kind=LedgerEntry.Kind.REFUND)
    return restrict(
        Spend.objects.filter(refund_of__isnull=True)  # a refund shows as `refunded` on its spend
        .select_related("institution", "beneficiary__person", "relation__pooler__person")
        .annotate(is_refunded=Exists(refunded)), user
    ).order_by("-occurred_at", "-id")


def spends_of(insured: Insured) -> QuerySet:
    """Every use of this person's money (relations they fund) and every spend made for them."""
    return (Spend.objects.filter(Q(relation__pooler=insured) | Q(beneficiary=insured), refund_of__isnull=True)
            .select_related("institution", "institution__region", "beneficiary__person", "relation__pooler__person")
            .order_by("-occurred_at", "-id"))


def ledger_of(user, account: Account) -> QuerySet:
    return restrict(LedgerEntry.objects.filter(account=account), user).order_by("-id")


def institution_of_user(user) -> Institution | None:
    return restrict(Institution.objects.select_related("region"), user).first()


def settlement_lines(user, month: str | None = None) -> QuerySet:
    qs = restrict(SettlementLine.objects.all(), user)
    if month:
        qs = qs.filter(month=month)
    return qs.order_by("month", "payer_region", "payee_region")


def settlement_run_get(month: str) -> SettlementRun | None:
    """The month's run record (nationwide bookkeeping, no region: callers check the officer role)."""
    return SettlementRun.objects.filter(month=month).first()


def clearing_months(user) -> QuerySet:
    """Each month's clearing status (nationwide bookkeeping: callers check the officer role)."""
    return ClearingMonth.objects.order_by("-month")


def pending_for(insured: Insured) -> list[Relation]:
    """Requests waiting for this person's consent: as beneficiary, and as the guardian of a minor."""
    from .services import GUARDIAN_KINSHIPS, is_minor

    qs = Relation.objects.select_related("pooler__person", "beneficiary__person").filter(status=Relation.Status.PENDING)
    mine = list(qs.filter(beneficiary=insured))
    mine += [r for r in qs.filter(pooler=insured, kinship__in=GUARDIAN_KINSHIPS) if is_minor(r.beneficiary)]
    return mine


def settlement_months() -> list[str]:
    return list(SettlementRun.objects.order_by("-month").values_list("month", flat=True)[:24])


def ledger_mismatches() -> list[dict]:
    """Accounts whose balance/reserved differ from the sums of their ledger rows (should be none)."""
    out = []
    sums = {row["account_id"]: row for row in LedgerEntry.objects.values("account_id")
            .annotate(b=Sum("amount"), r=Sum("reserved_delta")).order_by()}
    for account in Account.objects.only("id", "balance", "reserved").iterator(chunk_size=2000):
        row = sums.get(account.id, {"b": 0, "r": 0})
        if account.balance != (row["b"] or 0) or account.reserved != (row["r"] or 0):
            out.append({"account": account.id, "balance": account.balance, "ledger_balance": row["b"] or 0,
                        "reserved": account.reserved, "ledger_reserved": row["r"] or 0})
    return out


def fraud_alerts(user, *, status: str | None = None, rule: str | None = None) -> QuerySet:
    qs = restrict(FraudAlert.objects.select_related("rule", "insured__person", "relation", "spend__institution"), user)
    if status:
        qs = qs.filter(status=status)
    if rule:
        qs = qs.filter(rule__code=rule)
    return qs.order_by("-created_at", "-id")


def personal_medical_spending(*, start, end, above: int) -> list[dict]:
    """Personal-burden medical spending per beneficiary in [start, end) (aware datetimes), for those whose
    total is above `above` fen: one GROUP BY query. Each row: `person_id`, `region_id` (the beneficiary's
    pooling region), `total` (fen) and `spends` (how many). Nationwide and unscoped: for background scans
    (casework's proactive discovery), never for a page or the API."""
    rows = (Spend.objects.filter(category=Spend.Category.MEDICAL, occurred_at__gte=start, occurred_at__lt=end)
            .values("beneficiary__person_id", "beneficiary__region_id")
            .annotate(total=Sum("amount"), spends=Count("id")).filter(total__gt=above).order_by())
    return [{"person_id": r["beneficiary__person_id"], "region_id": r["beneficiary__region_id"],
             "total": r["total"], "spends": r["spends"]} for r in rows]


def region_rules(user) -> QuerySet:
    return restrict(RegionRule.objects.select_related("region", "updated_by"), user).order_by("region_id")


def own_spend_list(user) -> QuerySet:
    return restrict(OwnSpend.objects.select_related("institution", "insured__person"), user).order_by(
        "-occurred_at", "-id")


def own_spends_of(insured: Insured) -> QuerySet:
    return OwnSpend.objects.filter(insured=insured).select_related("institution").order_by("-occurred_at", "-id")
