"""Every read of relief in kind starts from portal.scoping.restrict (out of scope = not there = 404)."""

from django.db.models import Count, Q, QuerySet, Sum

from assistance.models import Scheme
from assistance.selectors import scheme_list as assistance_scheme_list
from portal.scoping import get_scoped_or_404, restrict

from .models import Merchant, Redemption, Statement, Voucher, VoucherSweep


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
