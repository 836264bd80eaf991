"""Statistics for insurance officers (共济统计): the seed's kind of figures, set-based.

Every figure is one GROUP BY query over a queryset restricted by `portal.scoping.restrict` (a provincial
officer sees the rows that touch their province), so the number of queries is fixed whatever the row
count and no Python loop runs over rows — only over the months and region pairs the database returns.

- regions opened: pooling regions whose wallet opened (RegionRule.wallet_opened_on), per month and
  cumulative (the seed: 337 by 2025-06-30);
- relations: requests made per month, within a province or across provinces (the pooler's and the
  beneficiary's pooling regions), and how many are pending, active and dissolved;
- spending: person-times (支付人次: spends, refunds not counted), people and net amounts (refunds
  subtracted) per month of occurrence in Beijing time, within a province or across provinces (the
  paying region against the institution's);
- clearing: cross-region spends whose clearing month is closed (cleared) or not yet (pending);
- region pairs: cross-region spends by (payer, payee) with their cleared and pending amounts.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Substr, TruncMonth
from django.db.models.lookups import Exact

from portal.models import Region
from portal.scoping import region_q, restrict

from .models import ClearingMonth, RegionRule, Relation, Spend

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Filters:
    month_from: str  # YYYY-MM, inclusive
    month_to: str  # YYYY-MM, inclusive
    province: str = ""  # a province's 6-digit code (340000) or "" for every province in scope

    @property
    def start(self) -> dt.datetime:
        y, m = map(int, self.month_from.split("-"))
        return dt.datetime(y, m, 1, tzinfo=BEIJING)

    @property
    def end(self) -> dt.datetime:
        y, m = map(int, self.month_to.split("-"))
        return dt.datetime(y + (m == 12), 1 if m == 12 else m + 1, 1, tzinfo=BEIJING)

    def months(self) -> list[str]:
        out, (y, m) = [], map(int, self.month_from.split("-"))
        y2, m2 = map(int, self.month_to.split("-"))
        while (y, m) <= (y2, m2):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def default_filters(today: dt.date | None = None) -> Filters:
    """The last twelve months up to this one."""
    today = today or dt.datetime.now(BEIJING).date()
    y, m = today.year - 1, today.month + 1
    if m == 13:
        y, m = y + 1, 1
    return Filters(month_from=f"{y:04d}-{m:02d}", month_to=f"{today.year:04d}-{today.month:02d}")


def province_choices(user) -> list[tuple[str, str]]:
    """The provinces this officer may filter on: every province for a nationwide officer (or an admin),
    otherwise the province of their region."""
    qs = Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")
    if getattr(user, "region_id", None) and not user.is_portal_admin:
        qs = qs.filter(code=user.region_id[:2] + "0000")
    return list(qs.values_list("code", "name"))


def _province_q(paths: tuple[str, ...], province: str) -> Q:
    return region_q(paths, province)


def _month(value) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def _same_province(a: str, b: str):
    return ExpressionWrapper(Exact(Substr(a, 1, 2), Substr(b, 1, 2)), output_field=BooleanField())


def spends_in_scope(user, f: Filters):
    qs = restrict(Spend.objects.all(), user).filter(occurred_at__gte=f.start, occurred_at__lt=f.end)
    if f.province:
        qs = qs.filter(_province_q(("payer_region", "payee_region"), f.province))
    return qs


def relations_in_scope(user, f: Filters):
    qs = restrict(Relation.objects.all(), user)
    if f.province:
        qs = qs.filter(_province_q(("pooler__region", "beneficiary__region"), f.province))
    return qs


def regions_opened(user, f: Filters) -> dict:
    qs = restrict(RegionRule.objects.filter(wallet_opened_on__isnull=False), user)
    if f.province:
        qs = qs.filter(_province_q(("region",), f.province))
    end_date = f.end.date()
    before = qs.filter(wallet_opened_on__lt=f.start.date()).count()
    rows = (qs.filter(wallet_opened_on__gte=f.start.date(), wallet_opened_on__lt=end_date)
            .annotate(m=TruncMonth("wallet_opened_on")).values("m").annotate(n=Count("region_id")).order_by("m"))
    opened = {_month(r["m"]): r["n"] for r in rows}
    cumulative, by_month = before, []
    for month in f.months():
        cumulative += opened.get(month, 0)
        by_month.append({"month": month, "opened": opened.get(month, 0), "cumulative": cumulative})
    return {"before": before, "total": cumulative, "by_month": by_month}


def relation_figures(user, f: Filters) -> dict:
    qs = relations_in_scope(user, f)
    status = {row["status"]: row["n"] for row in qs.values("status").annotate(n=Count("id")).order_by()}
    made = (qs.filter(created_at__gte=f.start, created_at__lt=f.end)
            .annotate(m=TruncMonth("created_at", tzinfo=BEIJING),
                      same=_same_province("pooler__region_id", "beneficiary__region_id"))
            .values("m").annotate(n=Count("id"), within=Count("id", filter=Q(same=True))).order_by("m"))
    rows = {_month(r["m"]): r for r in made}
    by_month = []
    for month in f.months():
        r = rows.get(month) or {"n": 0, "within": 0}
        by_month.append({"month": month, "created": r["n"], "within_province": r["within"],
                         "across_provinces": r["n"] - r["within"]})
    return {
        "pending": status.get(Relation.Status.PENDING, 0), "active": status.get(Relation.Status.ACTIVE, 0),
        "dissolved": status.get(Relation.Status.DISSOLVED, 0),
        "created": sum(x["created"] for x in by_month),
        "within_province": sum(x["within_province"] for x in by_month),
        "across_provinces": sum(x["across_provinces"] for x in by_month),
        "by_month": by_month,
    }


def spend_figures(user, f: Filters) -> dict:
    person_time = Q(refund_of__isnull=True)
    rows = (spends_in_scope(user, f)
            .annotate(m=TruncMonth("occurred_at", tzinfo=BEIJING), same=_same_province("payer_region", "payee_region"))
            .values("m", "same")
            .annotate(n=Count("id", filter=person_time), total=Coalesce(Sum("amount"), 0))
            .order_by("m", "same"))
    table = {}
    for r in rows:
        table[(_month(r["m"]), bool(r["same"]))] = {"count": r["n"], "amount": r["total"]}
    empty = {"count": 0, "amount": 0}
    by_month = []
    for month in f.months():
        w, a = table.get((month, True), empty), table.get((month, False), empty)
        by_month.append({"month": month, "count": w["count"] + a["count"], "amount": w["amount"] + a["amount"],
                         "within_count": w["count"], "within_amount": w["amount"],
                         "across_count": a["count"], "across_amount": a["amount"]})
    total = spends_in_scope(user, f).aggregate(persons=Count("beneficiary_id", distinct=True, filter=person_time))
    return {
        "count": sum(x["count"] for x in by_month), "amount": sum(x["amount"] for x in by_month),
        "persons": total["persons"],
        "within_count": sum(x["within_count"] for x in by_month),
        "within_amount": sum(x["within_amount"] for x in by_month),
        "across_count": sum(x["across_count"] for x in by_month),
        "across_amount": sum(x["across_amount"] for x in by_month),
        "by_month": by_month,
    }


def _cleared_q() -> Q:
    return Q(clearing_month__in=ClearingMonth.objects.filter(status=ClearingMonth.Status.CLOSED).values("month"))


def _cross_region(user, f: Filters):
    return spends_in_scope(user, f).exclude(payer_region=F("payee_region"))


def clearing_figures(user, f: Filters) -> dict:
    cleared = _cleared_q()
    person_time = Q(refund_of__isnull=True)
    row = _cross_region(user, f).aggregate(
        cleared_count=Count("id", filter=cleared & person_time), cleared_amount=Coalesce(Sum("amount", filter=cleared), 0),
        pending_count=Count("id", filter=~cleared & person_time),
        pending_amount=Coalesce(Sum("amount", filter=~cleared), 0))
    return row


def pair_rows(user, f: Filters):
    """Cross-region spends by (payer region, payee region), the largest amount first: a queryset of dicts."""
    cleared = _cleared_q()
    person_time = Q(refund_of__isnull=True)
    return (_cross_region(user, f).values("payer_region", "payee_region")
            .annotate(n=Count("id", filter=person_time), total=Coalesce(Sum("amount"), 0),
                      cleared_total=Coalesce(Sum("amount", filter=cleared), 0),
                      pending_total=Coalesce(Sum("amount", filter=~cleared), 0),
                      across=Case(When(Exact(Substr("payer_region", 1, 2), Substr("payee_region", 1, 2)),
                                       then=Value(False)), default=Value(True), output_field=BooleanField()))
            .order_by("-total", "payer_region", "payee_region"))


def name_pairs(rows: list[dict]) -> list[dict]:
    """Region names for a page of pair rows (one query), and the figures under their public names."""
    rows = [{"payer_region": r["payer_region"], "payee_region": r["payee_region"], "across": r["across"],
             "count": r["n"], "amount": r["total"], "cleared_amount": r["cleared_total"],
             "pending_amount": r["pending_total"]} for r in rows]
    codes = {c for r in rows for c in (r["payer_region"], r["payee_region"])}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    for r in rows:
        r["payer_name"], r["payee_name"] = names.get(r["payer_region"], ""), names.get(r["payee_region"], "")
    return rows


def statistics(user, f: Filters, *, pairs: int = 20) -> dict:
    """Every figure for the page and the API: a fixed number of queries."""
    return {
        "month_from": f.month_from, "month_to": f.month_to, "province": f.province,
        "regions_opened": regions_opened(user, f),
        "relations": relation_figures(user, f),
        "spends": spend_figures(user, f),
        "clearing": clearing_figures(user, f),
        "pairs": name_pairs(list(pair_rows(user, f)[:pairs])),
    }
