"""Synthetic insured persons, relations and one closed month of spends for `manage.py generate_population`.

Set-based from the generated people, chunked by person id, deterministic from ctx.seed. What the
services would write, without the per-row audit events:
- every person insured in the pooling region of their ID-number county (`pooling_regions_of`: the
  county's parent), with the InsuredStatusChange "参保登记"; ~60% employee with an Account and a
  contribution ledger row ("期初余额划入"), the rest resident (no account);
- ~10.4% of employees (1 in 16 people) pool with the next person: a Relation whose quota is half the
  balance, a RESERVE ledger row, and 16 spends in the previous (ended) month at the hospital of their own
  county (60%) or elsewhere (40%: 70% of those at their provincial capital's hospital, the rest at one of
  six national centres — so a month has a few thousand region pairs, as real cross-region care does), each with its POOLED_SPEND ledger row (amount = reserved_delta =
  -spend), each in clearing month = the month of its occurred_at (all in `spend_month()`, which is open: the
  generator runs before any clearing). Account balance/reserved and relation.used are the final sums, so for every account
  balance == SUM(ledger.amount) and reserved == SUM(ledger.reserved_delta), and balance_after /
  reserved_after are the running sums in ledger id order.
Institutions: a hospital in every county and a pharmacy in every third.
"""

import datetime as dt

from django.db import connection
from django.utils import timezone

from .models import Account, Institution, Insured, InsuredStatusChange, LedgerEntry, Relation, Spend
from .services import BEIJING, month_bounds, previous_month

SPENDS_PER_RELATION = 16
# provinces whose capital hospitals also take patients from everywhere (Beijing, Shanghai, Zhejiang, Hubei,
# Guangdong, Sichuan)
NATIONAL_CENTRES = ["11", "31", "33", "42", "44", "51"]
KINSHIPS = ["spouse", "parent", "child", "sibling", "grandparent", "grandchild"]


def h(expr: str, salt: int, seed: int, mod: int) -> str:
    return f"mod(hashint8(({expr})::bigint * 7919 + {salt * 104729 + seed})::bigint + 2147483648, {mod})"


def spend_month() -> str:
    return previous_month(timezone.now())


def generate(ctx, stdout) -> str:
    s = ctx.seed
    first, last = ctx.first_person_id, ctx.last_person_id
    ins, acc, st = Insured._meta.db_table, Account._meta.db_table, InsuredStatusChange._meta.db_table
    inst, rel, sp, led = Institution._meta.db_table, Relation._meta.db_table, Spend._meta.db_table, LedgerEntry._meta.db_table
    month = spend_month()
    start, end = month_bounds(month)
    seconds = int((end - start).total_seconds())
    month_start = start.astimezone(dt.UTC).isoformat()
    pooler = f"{h('p.id', 21, s, 1000)} < 104"  # of employees: 10.4% * 60% * 16 spends ~ 1 spend per person
    employee = f"{h('p.id', 20, s, 100)} < 60"
    with connection.cursor() as cur:
        # institutions: hospital in every county, pharmacy in every third
        cur.execute(
            f"INSERT INTO {inst} (code, name, region_id, kind, created_at)"
            f" SELECT 'H' || r.code || '00001', r.name || '人民医院', r.code, 'hospital', now()"
            f" FROM portal_region r WHERE r.level = 3"
            f" AND NOT EXISTS (SELECT 1 FROM {inst} i WHERE i.code = 'H' || r.code || '00001')"
            f" UNION ALL SELECT 'P' || r.code || '00001', r.name || '大药房', r.code, 'pharmacy', now()"
            f" FROM portal_region r WHERE r.level = 3 AND mod(r.code::int, 3) = 0"
            f" AND NOT EXISTS (SELECT 1 FROM {inst} i WHERE i.code = 'P' || r.code || '00001')")
        cur.execute("DROP TABLE IF EXISTS pop_inst")
        cur.execute(f"CREATE TEMP TABLE pop_inst ON COMMIT DROP AS SELECT row_number() OVER (ORDER BY id) - 1 AS idx,"
                    f" id, code, region_id, name FROM {inst}")
        cur.execute("CREATE INDEX ON pop_inst (idx); CREATE INDEX ON pop_inst (code)")
        cur.execute("SELECT COUNT(*) FROM pop_inst")
        n_inst = cur.fetchone()[0]
        # where people travel for treatment: the hospital of each province's capital (the first county of
        # its xx01 prefecture) and a few national centres; these make a realistic number of region pairs
        cur.execute("DROP TABLE IF EXISTS pop_hub; DROP TABLE IF EXISTS pop_nat")
        cur.execute("CREATE TEMP TABLE pop_hub ON COMMIT DROP AS SELECT DISTINCT ON (substr(r.code, 1, 2))"
                    " substr(r.code, 1, 2) AS prov, i.id, i.region_id FROM portal_region r"
                    " JOIN pop_inst i ON i.code = 'H' || r.code || '00001' WHERE r.level = 3"
                    " ORDER BY substr(r.code, 1, 2), substr(r.code, 3, 2) <> '01', r.code")
        cur.execute("CREATE TEMP TABLE pop_nat ON COMMIT DROP AS SELECT row_number() OVER (ORDER BY prov) - 1 AS idx,"
                    " id, region_id FROM pop_hub WHERE prov = ANY(%s)", [NATIONAL_CENTRES])
        cur.execute("SELECT COUNT(*) FROM pop_nat")
        n_nat = max(cur.fetchone()[0], 1)
        cur.execute(f"SELECT (SELECT COALESCE(MAX(id), 0) FROM {ins}), (SELECT COALESCE(MAX(id), 0) FROM {rel}),"
                    f" (SELECT COALESCE(MAX(id), 0) FROM {sp})")
        ins_off, rel_off, sp_off = cur.fetchone()
        ins_id = f"(p.id - {first} + 1 + {ins_off})"
        balance0 = f"(100000 + {h('p.id', 22, s, 700000)})"  # the contribution, 1,000–8,000 yuan
        quota = f"({balance0} / 2)"
        lo = first
        while lo <= last:
            hi = min(lo + ctx.chunk - 1, last)
            rng = [lo, hi]
            cur.execute(
                f"INSERT INTO {ins} (id, person_id, scheme, region_id, status, wallet_opened, created_at, created_by_id)"
                f" SELECT {ins_id}, p.id, CASE WHEN {employee} THEN 'employee' ELSE 'resident' END,"
                f" COALESCE(r.parent_id, r.code), 'active', ({employee} AND {pooler}), TIMESTAMPTZ '2025-01-01 08:00+08', NULL"
                f" FROM portal_person p JOIN portal_region r ON r.code = substr(p.id_number_masked, 1, 6)"
                f" WHERE p.id BETWEEN %s AND %s ORDER BY p.id", rng)
            cur.execute(
                f"INSERT INTO {st} (insured_id, from_status, to_status, reason, at, actor_id)"
                f" SELECT {ins_id}, '', 'active', '参保登记', TIMESTAMPTZ '2025-01-01 08:00+08', NULL"
                f" FROM portal_person p WHERE p.id BETWEEN %s AND %s ORDER BY p.id", rng)
            # relations (pooler = this person, beneficiary = the next person), final `used` filled below
            nxt = f"(CASE WHEN p.id = {last} THEN {first} ELSE p.id + 1 END)"
            cur.execute(
                f"INSERT INTO {rel} (id, pooler_id, beneficiary_id, kinship, quota, used, status, created_at, created_by_id,"
                f" dissolved_at, dissolved_by_id, reason)"
                f" SELECT {rel_off} + p.id - {first} + 1, {ins_id}, {nxt} - {first} + 1 + {ins_off},"
                f" (%s::varchar[])[1 + {h('p.id', 23, s, len(KINSHIPS))}], {quota}, 0, 'active',"
                f" TIMESTAMPTZ '2025-06-01 09:00+08', NULL, NULL, NULL, ''"
                f" FROM portal_person p WHERE p.id BETWEEN %s AND %s AND {employee} AND {pooler} AND {nxt} <> p.id"
                f" ORDER BY p.id", [KINSHIPS, *rng])
            # spends: 16 per relation; amount in [q/32, q/16) so 16 of them never exceed the quota
            cur.execute(
                f"INSERT INTO {sp} (id, relation_id, institution_id, beneficiary_id, category, amount, occurred_at,"
                f" payer_region, payee_region, clearing_month, created_at, created_by_id)"
                f" SELECT {sp_off} + (r.id - {rel_off} - 1) * {SPENDS_PER_RELATION} + g.j + 1, r.id,"
                f" COALESCE(own.id, hub.id, nat.id), r.beneficiary_id,"
                f" CASE WHEN {h('r.id * 16 + g.j', 24, s, 10)} < 6 THEN 'medical'"
                f" WHEN {h('r.id * 16 + g.j', 24, s, 10)} < 9 THEN 'pharmacy' ELSE 'premium' END,"
                f" r.quota / 32 + {h('r.id * 16 + g.j', 25, s, 1000000)} * (r.quota / 32) / 1000000 + 1,"
                f" TIMESTAMPTZ %s + ({h('r.id * 16 + g.j', 26, s, seconds)} || ' seconds')::interval,"
                f" pi.region_id, COALESCE(icr.parent_id, icr.code), %s, TIMESTAMPTZ %s, NULL"
                f" FROM {rel} r JOIN {ins} pi ON pi.id = r.pooler_id JOIN portal_person pp ON pp.id = pi.person_id"
                f" CROSS JOIN generate_series(0, {SPENDS_PER_RELATION - 1}) AS g(j)"
                f" LEFT JOIN pop_inst own ON {h('r.id * 16 + g.j', 27, s, 10)} < 6"
                f" AND own.code = 'H' || substr(pp.id_number_masked, 1, 6) || '00001'"
                f" LEFT JOIN pop_hub hub ON {h('r.id * 16 + g.j', 29, s, 10)} < 7"
                f" AND hub.prov = substr(pp.id_number_masked, 1, 2)"
                f" LEFT JOIN pop_nat nat ON nat.idx = {h('r.id * 16 + g.j', 28, s, n_nat)}"
                f" JOIN portal_region icr ON icr.code = COALESCE(own.region_id, hub.region_id, nat.region_id)"
                f" WHERE r.id BETWEEN %s AND %s ORDER BY 1",
                [month_start, month, month_start, rel_off + lo - first + 1, rel_off + hi - first + 1])
            cur.execute(
                f"UPDATE {rel} r SET used = x.used FROM (SELECT relation_id, SUM(amount) AS used FROM {sp}"
                f" WHERE relation_id BETWEEN %s AND %s GROUP BY relation_id) x WHERE r.id = x.relation_id",
                [rel_off + lo - first + 1, rel_off + hi - first + 1])
            # accounts (final balance and reservation) and ledger rows in time order
            cur.execute(
                f"INSERT INTO {acc} (insured_id, balance, reserved, updated_at)"
                f" SELECT {ins_id}, {balance0} - COALESCE(r.used, 0), COALESCE(r.quota - r.used, 0), now()"
                f" FROM portal_person p LEFT JOIN {rel} r ON r.pooler_id = {ins_id}"
                f" WHERE p.id BETWEEN %s AND %s AND {employee} ORDER BY p.id", rng)
            cur.execute(
                f"INSERT INTO {led} (account_id, kind, amount, reserved_delta, balance_after, reserved_after, relation_id,"
                f" spend_id, note, at)"
                f" SELECT a.id, 'contribution', {balance0}, 0, {balance0}, 0, NULL, NULL, '期初余额划入',"
                f" TIMESTAMPTZ '2025-01-01 08:00+08'"
                f" FROM portal_person p JOIN {acc} a ON a.insured_id = {ins_id}"
                f" WHERE p.id BETWEEN %s AND %s AND {employee} ORDER BY a.id", rng)
            cur.execute(
                f"INSERT INTO {led} (account_id, kind, amount, reserved_delta, balance_after, reserved_after, relation_id,"
                f" spend_id, note, at)"
                f" SELECT a.id, 'reserve', 0, r.quota, a.balance + r.used, r.quota, r.id, NULL, '建立共济关系，占用额度',"
                f" r.created_at FROM {rel} r JOIN {acc} a ON a.insured_id = r.pooler_id"
                f" WHERE r.id BETWEEN %s AND %s ORDER BY a.id",
                [rel_off + lo - first + 1, rel_off + hi - first + 1])
            cur.execute(
                f"INSERT INTO {led} (account_id, kind, amount, reserved_delta, balance_after, reserved_after, relation_id,"
                f" spend_id, note, at)"
                f" SELECT a.id, 'pooled_spend', -x.amount, -x.amount,"
                f" a.balance + r.used - x.cum, r.quota - x.cum, r.id, x.id, i.name, x.occurred_at"
                f" FROM (SELECT s.*, SUM(s.amount) OVER (PARTITION BY s.relation_id ORDER BY s.occurred_at, s.id) AS cum"
                f" FROM {sp} s WHERE s.relation_id BETWEEN %s AND %s) x"
                f" JOIN {rel} r ON r.id = x.relation_id JOIN {acc} a ON a.insured_id = r.pooler_id"
                f" JOIN {inst} i ON i.id = x.institution_id ORDER BY a.id, x.occurred_at, x.id",
                [rel_off + lo - first + 1, rel_off + hi - first + 1])
            lo = hi + 1
        for table in (ins, acc, rel, sp, led, st, inst):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))")
        cur.execute(f"SELECT (SELECT COUNT(*) FROM {acc}), (SELECT COUNT(*) FROM {rel}), (SELECT COUNT(*) FROM {sp}),"
                    f" (SELECT COUNT(*) FROM {led})")
        accounts, relations, spends, ledger = cur.fetchone()
        cur.execute("DROP TABLE pop_inst; DROP TABLE pop_hub; DROP TABLE pop_nat")
    local = start.astimezone(BEIJING)
    return (f"{ctx.people:,} insured ({accounts:,} accounts), {n_inst:,} institutions, {relations:,} relations,"
            f" {spends:,} spends in {local:%Y-%m}, {ledger:,} ledger rows")
