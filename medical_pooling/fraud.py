"""Fraud signals (防范欺诈骗保). Rules are rows of FraudRule (kind + thresholds in `params`); each kind has
one set-based query here. `fraud_check_spends` runs after spends, a queued batch at a time
(`fraud_check_spend` is the same check for one), `fraud_scan` nightly (all task steps, with no actor). Hits
land in FraudAlert (one per rule and subject: re-running never duplicates) for officers to review
(`fraud_alert_review`, behind the write gate)."""

import datetime as dt
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import db
from portal.permissions import require
from portal.roles import Role
from portal.services import audit

from .audit_actions import AuditAction
from .models import FraudAlert, FraudRule, Insured, Relation, Spend

DEFAULT_PARAMS = {
    FraudRule.Kind.BURST: {"window_hours": 24, "share": 0.8, "min_count": 3},
    FraudRule.Kind.MANY_RELATIONS: {"max_relations": 5},
    FraudRule.Kind.MANY_POOLERS: {"max_poolers": 3},
    FraudRule.Kind.FAR_SPEND: {},
    FraudRule.Kind.REPEATED_AMOUNT: {"days": 30, "min_repeats": 3},
}


def _p(rule, name):
    return rule.params.get(name, DEFAULT_PARAMS[rule.kind].get(name))


def _raise(rule, *, key, region, evidence, insured=None, relation=None, spend=None) -> FraudAlert | None:
    try:
        with transaction.atomic():
            alert = FraudAlert.objects.create(rule=rule, key=key[:128], region_code=region or "", evidence=evidence,
                                              insured=insured, relation=relation, spend=spend)
    except IntegrityError:
        return None  # already in the queue
    return alert


def _burst(rule, relations_q, now):
    since = now - dt.timedelta(hours=_p(rule, "window_hours"))
    rows = (Spend.objects.filter(relations_q, occurred_at__gte=since).values("relation_id")
            .annotate(n=Count("id"), s=Sum("amount")).order_by())
    hits = []
    for row in rows:
        rel = Relation.objects.select_related("pooler").get(pk=row["relation_id"])
        if row["n"] >= _p(rule, "min_count") and row["s"] >= rel.quota * _p(rule, "share"):
            hits.append(dict(key=f"rel:{rel.pk}:{since:%Y%m%d}", region=rel.pooler.region_id, relation=rel,
                             insured=rel.pooler, evidence={"spends": row["n"], "amount_fen": row["s"],
                                                           "quota_fen": rel.quota,
                                                           "window_hours": _p(rule, "window_hours")}))
    return hits


def _many_relations(rule, pooler_ids):
    qs = Relation.objects.filter(status=Relation.Status.ACTIVE)
    if pooler_ids is not None:
        qs = qs.filter(pooler_id__in=pooler_ids)
    rows = qs.values("pooler_id").annotate(n=Count("id")).filter(n__gt=_p(rule, "max_relations")).order_by()
    out = []
    for row in rows:
        ins = Insured.objects.get(pk=row["pooler_id"])
        out.append(dict(key=f"pooler:{ins.pk}", region=ins.region_id, insured=ins,
                        evidence={"active_relations": row["n"], "max": _p(rule, "max_relations")}))
    return out


def _many_poolers(rule, beneficiary_ids):
    qs = Relation.objects.filter(status=Relation.Status.ACTIVE)
    if beneficiary_ids is not None:
        qs = qs.filter(beneficiary_id__in=beneficiary_ids)
    rows = (qs.values("beneficiary_id").annotate(n=Count("pooler_id", distinct=True))
            .filter(n__gt=_p(rule, "max_poolers")).order_by())
    out = []
    for row in rows:
        ins = Insured.objects.get(pk=row["beneficiary_id"])
        out.append(dict(key=f"beneficiary:{ins.pk}", region=ins.region_id, insured=ins,
                        evidence={"poolers": row["n"], "max": _p(rule, "max_poolers")}))
    return out


def _far_spend(rule, spends):
    out = []
    for spend in spends.select_related("relation__pooler", "beneficiary"):
        provinces = {spend.relation.pooler.region_id[:2], spend.beneficiary.region_id[:2]}
        if spend.payee_region[:2] not in provinces:
            out.append(dict(key=f"spend:{spend.pk}", region=spend.payer_region, spend=spend, relation=spend.relation,
                            insured=spend.beneficiary,
                            evidence={"payee_region": spend.payee_region,
                                      "pooler_region": spend.relation.pooler.region_id,
                                      "beneficiary_region": spend.beneficiary.region_id}))
    return out


def _repeated_amount(rule, relations_q, now):
    since = now - dt.timedelta(days=_p(rule, "days"))
    rows = (Spend.objects.filter(relations_q, occurred_at__gte=since).values("relation_id", "amount")
            .annotate(n=Count("id")).filter(n__gte=_p(rule, "min_repeats")).order_by())
    out = []
    for row in rows:
        rel = Relation.objects.select_related("pooler").get(pk=row["relation_id"])
        out.append(dict(key=f"rel:{rel.pk}:amt:{row['amount']}", region=rel.pooler.region_id, relation=rel,
                        insured=rel.pooler, evidence={"amount_fen": row["amount"], "times": row["n"],
                                                      "days": _p(rule, "days")}))
    return out


def _run(rules, *, relations_q, spends, pooler_ids, beneficiary_ids, now) -> list[FraudAlert]:
    raised = []
    for rule in rules:
        if rule.kind == FraudRule.Kind.BURST:
            hits = _burst(rule, relations_q, now)
        elif rule.kind == FraudRule.Kind.MANY_RELATIONS:
            hits = _many_relations(rule, pooler_ids)
        elif rule.kind == FraudRule.Kind.MANY_POOLERS:
            hits = _many_poolers(rule, beneficiary_ids)
        elif rule.kind == FraudRule.Kind.FAR_SPEND:
            hits = _far_spend(rule, spends)
        elif rule.kind == FraudRule.Kind.REPEATED_AMOUNT:
            hits = _repeated_amount(rule, relations_q, now)
        else:  # pragma: no cover - unknown kinds are ignored
            hits = []
        for hit in hits:
            alert = _raise(rule, **hit)
            if alert is not None:
                raised.append(alert)
    return raised


def fraud_check_spend(*, spend_id: int) -> list[FraudAlert]:
    """Run the enabled rules around one spend (its relation, pooler and beneficiary)."""
    if connection.vendor == "postgresql":
        raised, missing = _check_spends_postgresql([spend_id])
        if missing:
            raise Spend.DoesNotExist
        return raised
    with transaction.atomic():
        return _check_spend_orm(spend_id)


def fraud_check_spends(spend_ids) -> tuple[list[FraudAlert], list[int]]:
    """The check after spends, for a batch (the queued task): (alerts raised, ids of spends not found). Each
    spend meets the same rules as `fraud_check_spend`; on PostgreSQL the batch costs a few statements, not a
    few per spend. Each alert is written in its own transaction, so an alert raised meanwhile by another
    check is skipped, not an error."""
    if connection.vendor == "postgresql":
        return _check_spends_postgresql(spend_ids)
    raised, missing = [], []
    for spend_id in spend_ids:
        try:
            raised += fraud_check_spend(spend_id=spend_id)
        except Spend.DoesNotExist:
            missing.append(spend_id)
    return raised, missing


def _check_spend_orm(spend_id: int) -> list[FraudAlert]:
    spend = Spend.objects.select_related("relation").get(pk=spend_id)
    rules = list(FraudRule.objects.filter(enabled=True))
    return _run(rules, relations_q=Q(relation_id=spend.relation_id), spends=Spend.objects.filter(pk=spend.pk),
                pooler_ids=[spend.relation.pooler_id], beneficiary_ids=[spend.beneficiary_id],
                now=max(timezone.now(), spend.occurred_at))


@transaction.atomic
def fraud_scan(*, since: dt.datetime | None = None) -> list[FraudAlert]:
    """Nightly: every enabled rule over the recent spends and all active relations."""
    now = timezone.now()
    since = since or now - dt.timedelta(days=1)
    rules = list(FraudRule.objects.filter(enabled=True))
    return _run(rules, relations_q=Q(), spends=Spend.objects.filter(created_at__gte=since), pooler_ids=None,
                beneficiary_ids=None, now=now)


@transaction.atomic
def fraud_alert_review(*, actor, alert: FraudAlert, status: str, note: str = "") -> FraudAlert:
    require(actor, roles={Role.INSURANCE_OFFICER}, region=alert.region_code, message=_("您无权核查该地区的疑点。"))
    if status not in (FraudAlert.Status.CONFIRMED, FraudAlert.Status.DISMISSED):
        raise ValidationError({"status": [_("核查结论无效。")]})
    alert = FraudAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != FraudAlert.Status.OPEN:
        raise ValidationError({"detail": _("该疑点已核查。")})
    before = {"status": alert.status}
    alert.status, alert.note, alert.reviewed_by, alert.reviewed_at = status, note[:255], actor, timezone.now()
    alert.save(update_fields=["status", "note", "reviewed_by", "reviewed_at"])
    audit(actor=actor, action=AuditAction.FRAUD_ALERT_REVIEW, obj=alert, region_code=alert.region_code, before=before,
          after={"status": status, "note": alert.note})
    return alert


# The check after spends, on PostgreSQL, in two kinds of statement for a whole batch instead of a dozen ORM
# queries per spend: (1) the spends with their relation, pooler, beneficiary, the counts the pooler and
# beneficiary rules need, and the enabled rules; (2) one column per distinct thing a rule counts or looks
# up: the spends of a relation in a burst window, its repeated amounts, whether an alert key is already in
# the queue. A relation charged many times in one batch is counted once per window; a key no rule's
# threshold reaches is not looked up. The rules, thresholds, keys, regions and evidence are those of `_run`
# (tests/medical_pooling/test_fraud.py compares both).
_CHECK_SPENDS_SQL = """
SELECT s.id, s.relation_id, s.beneficiary_id, s.occurred_at, s.payee_region, s.payer_region,
       r.pooler_id, r.quota, p.region_id, b.region_id,
       (SELECT count(*) FROM medical_pooling_relation x WHERE x.pooler_id = r.pooler_id AND x.status = %(active)s),
       (SELECT count(DISTINCT x.pooler_id) FROM medical_pooling_relation x
        WHERE x.beneficiary_id = s.beneficiary_id AND x.status = %(active)s),
       (SELECT json_agg(json_build_array(f.id, f.kind, f.params) ORDER BY f.code)
        FROM medical_pooling_fraudrule f WHERE f.enabled)
FROM medical_pooling_spend s
JOIN medical_pooling_relation r ON r.id = s.relation_id
JOIN medical_pooling_insured p ON p.id = r.pooler_id
JOIN medical_pooling_insured b ON b.id = s.beneficiary_id
WHERE s.id = ANY(%(spends)s)
ORDER BY s.id
"""
_ALERTED = "EXISTS (SELECT 1 FROM medical_pooling_fraudalert a WHERE a.rule_id = %s AND a.key = {key})"
_BURST = ("(SELECT json_build_array(count(*), COALESCE(sum(amount), 0), " + _ALERTED.format(key="%s")
          + ") FROM medical_pooling_spend WHERE relation_id = %s AND occurred_at >= %s)")
_REPEATED = ("(SELECT json_agg(json_build_array(t.amount, t.n, " + _ALERTED.format(key="%s || t.amount")
             + ") ORDER BY t.amount) FROM (SELECT amount, count(*) AS n FROM medical_pooling_spend"
             " WHERE relation_id = %s AND occurred_at >= %s GROUP BY amount HAVING count(*) >= %s) t)")
# columns per statement of kind (2): PostgreSQL allows 1,664 in a select list
_COLUMNS_PER_STATEMENT = 400


class _Spend(NamedTuple):
    id: int
    relation_id: int
    beneficiary_id: int
    occurred_at: dt.datetime
    payee_region: str
    payer_region: str
    pooler_id: int
    quota: int
    pooler_region: str
    beneficiary_region: str
    active_relations: int
    poolers: int


def _check_spends_postgresql(spend_ids) -> tuple[list[FraudAlert], list[int]]:
    """(alerts raised, ids of spends not found) for the rules around each spend of `spend_ids`."""
    with connection.cursor() as cur:
        db.execute(cur, "mp_fraud_check_spends", _CHECK_SPENDS_SQL,
                   {"spends": [int(i) for i in spend_ids], "active": Relation.Status.ACTIVE})
        rows = cur.fetchall()
    missing = sorted(set(int(i) for i in spend_ids) - {row[0] for row in rows})
    if not rows:
        return [], missing
    rules = [FraudRule(pk=pk, kind=kind, params=params or {}) for pk, kind, params in rows[0][-1] or []]
    checked_at = timezone.now()
    columns: dict[tuple, tuple[str, list]] = {}  # what to count or look up -> (SQL, params), each once

    def column(key: tuple, sql: str, params: list) -> tuple:
        columns.setdefault(key, (sql, params))
        return key

    plans = []  # per spend: (spend, [(rule, key of the burst window or None, column or None)])
    for row in rows:
        spend = _Spend(*row[:-1])
        now = max(checked_at, spend.occurred_at)
        checks = []
        for rule in rules:
            if rule.kind == FraudRule.Kind.BURST:
                since = now - dt.timedelta(hours=_p(rule, "window_hours"))
                key = f"rel:{spend.relation_id}:{since:%Y%m%d}"[:128]
                checks.append((rule, key, column(("burst", rule.pk, spend.relation_id, since), _BURST,
                                                 [rule.pk, key, spend.relation_id, since])))
            elif rule.kind == FraudRule.Kind.REPEATED_AMOUNT:
                since = now - dt.timedelta(days=_p(rule, "days"))
                checks.append((rule, None, column(
                    ("repeated", rule.pk, spend.relation_id, since), _REPEATED,
                    [rule.pk, f"rel:{spend.relation_id}:amt:", spend.relation_id, since, _p(rule, "min_repeats")])))
            else:
                key = _subject_key(rule, spend)
                checks.append((rule, key, column(("alerted", rule.pk, key), _ALERTED.format(key="%s"), [rule.pk, key])
                               if key else None))
        plans.append((spend, checks))
    found: dict[tuple, object] = {}
    keys = list(columns)
    for at in range(0, len(keys), _COLUMNS_PER_STATEMENT):
        chunk = keys[at:at + _COLUMNS_PER_STATEMENT]
        with connection.cursor() as cur:
            cur.execute("SELECT " + ", ".join(columns[k][0] for k in chunk), [p for k in chunk for p in columns[k][1]])
            found.update(zip(chunk, cur.fetchone(), strict=True))
    raised, tried = [], set()
    for spend, checks in plans:
        for rule, key, col in checks:
            for hit_key, region, evidence, insured_id, relation_id, hit_spend_id in _hits(
                    rule, spend, key, found[col] if col else None):
                if (rule.pk, hit_key) in tried:  # a relation charged twice in the batch: one alert
                    continue
                tried.add((rule.pk, hit_key))
                alert = _raise_ids(rule, key=hit_key, region=region, evidence=evidence, insured_id=insured_id,
                                   relation_id=relation_id, spend_id=hit_spend_id)
                if alert is not None:
                    raised.append(alert)
    return raised, missing


def _subject_key(rule, spend: _Spend) -> str | None:
    """The alert key of a rule about the spend's pooler, beneficiary or the spend itself, when the rule's
    threshold is reached (else None: nothing to look up)."""
    if rule.kind == FraudRule.Kind.MANY_RELATIONS:
        return f"pooler:{spend.pooler_id}" if spend.active_relations > _p(rule, "max_relations") else None
    if rule.kind == FraudRule.Kind.MANY_POOLERS:
        return f"beneficiary:{spend.beneficiary_id}" if spend.poolers > _p(rule, "max_poolers") else None
    if rule.kind == FraudRule.Kind.FAR_SPEND:
        far = spend.payee_region[:2] not in {spend.pooler_region[:2], spend.beneficiary_region[:2]}
        return f"spend:{spend.id}" if far else None
    return None  # pragma: no cover - unknown kinds are ignored


def _hits(rule, spend: _Spend, key: str | None, got) -> list[tuple]:
    """(key, region, evidence, insured_id, relation_id, spend_id) of each alert the rule raises for the spend
    and is not yet in the queue, from what its column found."""
    if rule.kind == FraudRule.Kind.BURST:
        n, total, alerted = got
        if n and n >= _p(rule, "min_count") and total >= spend.quota * _p(rule, "share") and not alerted:
            return [(key, spend.pooler_region, {"spends": n, "amount_fen": total, "quota_fen": spend.quota,
                                                "window_hours": _p(rule, "window_hours")},
                     spend.pooler_id, spend.relation_id, None)]
        return []
    if rule.kind == FraudRule.Kind.REPEATED_AMOUNT:
        return [(f"rel:{spend.relation_id}:amt:{amount}", spend.pooler_region,
                 {"amount_fen": amount, "times": n, "days": _p(rule, "days")}, spend.pooler_id, spend.relation_id,
                 None) for amount, n, alerted in got or [] if not alerted]
    if key is None or got:  # threshold not reached, or the alert is already in the queue
        return []
    if rule.kind == FraudRule.Kind.MANY_RELATIONS:
        return [(key, spend.pooler_region, {"active_relations": spend.active_relations,
                                            "max": _p(rule, "max_relations")}, spend.pooler_id, None, None)]
    if rule.kind == FraudRule.Kind.MANY_POOLERS:
        return [(key, spend.beneficiary_region, {"poolers": spend.poolers, "max": _p(rule, "max_poolers")},
                 spend.beneficiary_id, None, None)]
    if rule.kind == FraudRule.Kind.FAR_SPEND:
        return [(key, spend.payer_region, {"payee_region": spend.payee_region, "pooler_region": spend.pooler_region,
                                           "beneficiary_region": spend.beneficiary_region},
                 spend.beneficiary_id, spend.relation_id, spend.id)]
    return []  # pragma: no cover


def _raise_ids(rule, *, key, region, evidence, insured_id, relation_id, spend_id) -> FraudAlert | None:
    try:
        with transaction.atomic():
            return FraudAlert.objects.create(rule=rule, key=key[:128], region_code=region or "", evidence=evidence,
                                             insured_id=insured_id, relation_id=relation_id, spend_id=spend_id)
    except IntegrityError:
        return None  # raised meanwhile by another check
