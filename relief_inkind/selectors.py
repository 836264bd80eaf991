"""Every read of relief in kind starts from portal.scoping.restrict (out of scope = not there = 404)."""

from django.db.models import Count, Q, QuerySet, Sum

from assistance.models import Scheme
from assistance.selectors import scheme_list as assistance_scheme_list
from portal.scoping import get_scoped_or_404, restrict

from .models import (
    DistributionLine,
    DistributionPoint,
    HeatingCompany,
    Item,
    Merchant,
    Redemption,
    Statement,
    Stock,
    StockMove,
    Voucher,
    VoucherSweep,
    WaiverLine,
)


def merchant_list(user) -> QuerySet:
    return restrict(Merchant.objects.select_related("region"), user)


def merchant_get(user, pk) -> Merchant:
    return get_scoped_or_404(Merchant.objects.select_related("region"), user, pk=pk)


def voucher_scheme_list(user) -> QuerySet:
    return assistance_scheme_list(user).filter(payment_form=Scheme.PaymentForm.VOUCHER)


def voucher_list(user) -> QuerySet:
    return restrict(Voucher.objects.select_related("region", "scheme"), user)


def voucher_get(user, pk) -> Voucher:
    return get_scoped_or_404(Voucher.objects.select_related("region", "scheme"), user, pk=pk)


def redemption_list(user) -> QuerySet:
    return restrict(Redemption.objects.select_related("merchant", "voucher", "statement"), user)


def statement_list(user) -> QuerySet:
    return restrict(Statement.objects.select_related("merchant", "region", "created_by", "settled_by"), user)


def statement_get(user, pk) -> Statement:
    return get_scoped_or_404(Statement.objects.select_related("merchant", "region"), user, pk=pk)


def sweep_list(user) -> QuerySet:
    return restrict(VoucherSweep.objects.select_related("scheme"), user)


def voucher_totals(queryset) -> dict:
    """Issued, redeemed, returned and outstanding value of the vouchers of `queryset` (already restricted)."""
    t = queryset.aggregate(n=Count("id"), value=Sum("value"), redeemed=Sum("redeemed"), returned=Sum("returned"),
                           used=Count("id", filter=Q(status=Voucher.Status.REDEEMED)))
    value, redeemed, returned = t["value"] or 0, t["redeemed"] or 0, t["returned"] or 0
    return {"count": t["n"], "used": t["used"], "value": value, "redeemed": redeemed, "returned": returned,
            "outstanding": value - redeemed - returned}


# --------------------------------------------------------------------------- goods


def item_list() -> QuerySet:
    """Items are reference data (a name and a unit), the same for every region."""
    return Item.objects.all()


def point_list(user) -> QuerySet:
    return restrict(DistributionPoint.objects.select_related("region"), user)


def point_get(user, pk) -> DistributionPoint:
    return get_scoped_or_404(DistributionPoint.objects.select_related("region"), user, pk=pk)


def stock_list(user) -> QuerySet:
    return restrict(Stock.objects.select_related("point", "item"), user)


def stock_move_list(user) -> QuerySet:
    return restrict(StockMove.objects.select_related("point", "item", "line"), user)


def in_kind_scheme_list(user) -> QuerySet:
    return assistance_scheme_list(user).filter(payment_form=Scheme.PaymentForm.IN_KIND)


def distribution_list(user) -> QuerySet:
    return restrict(DistributionLine.objects.select_related("region", "point", "scheme"), user)


def distribution_line_get(user, pk) -> DistributionLine:
    return get_scoped_or_404(DistributionLine.objects.select_related("region", "point", "scheme"), user, pk=pk)


def stock_reconciliation(user) -> list[dict]:
    """Per point and item: stock in, handed out, on hand, and whether in − out = on hand."""
    moves = {(r["point_id"], r["item_id"]): r for r in stock_move_list(user).order_by().values("point_id", "item_id")
             .annotate(qty_in=Sum("quantity", filter=Q(kind=StockMove.Kind.IN)),
                       qty_out=Sum("quantity", filter=Q(kind=StockMove.Kind.OUT)))}
    out = []
    for s in stock_list(user).order_by("point_id", "item_id"):
        m = moves.get((s.point_id, s.item_id), {})
        qty_in, qty_out = m.get("qty_in") or 0, m.get("qty_out") or 0
        out.append({"point": s.point, "item": s.item, "stock_in": qty_in, "handed_out": qty_out,
                    "on_hand": s.on_hand, "balanced": qty_in - qty_out == s.on_hand})
    return out


# --------------------------------------------------------------------------- heating


def company_list(user) -> QuerySet:
    return restrict(HeatingCompany.objects.select_related("region"), user)


def company_get(user, pk) -> HeatingCompany:
    return get_scoped_or_404(HeatingCompany.objects.select_related("region"), user, pk=pk)


def waiver_list(user) -> QuerySet:
    return restrict(WaiverLine.objects.select_related("company", "region", "statement"), user)


def company_summary(user) -> list:
    """Each company the user may see, with its waiting, confirmed-unsettled and settled totals."""
    companies = list(company_list(user))
    sums = {r["company_id"]: r for r in waiver_list(user).order_by().values("company_id").annotate(
        waiting=Count("id", filter=Q(status=WaiverLine.Status.SENT)),
        waiting_amount=Sum("amount", filter=Q(status=WaiverLine.Status.SENT)),
        unsettled=Count("id", filter=Q(status=WaiverLine.Status.CONFIRMED, statement__isnull=True)),
        unsettled_amount=Sum("amount", filter=Q(status=WaiverLine.Status.CONFIRMED, statement__isnull=True)))}
    for c in companies:
        r = sums.get(c.pk, {})
        c.waiting, c.waiting_amount = r.get("waiting") or 0, r.get("waiting_amount") or 0
        c.unsettled, c.unsettled_amount = r.get("unsettled") or 0, r.get("unsettled_amount") or 0
    return companies
