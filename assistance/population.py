"""Synthetic winter-relief roll for `manage.py generate_population` (benchmarks at scale).

Set-based from the generated people (INSERT … SELECT over the person id range, chunked), deterministic
from ctx.seed (pseudo-random choices are `hashint8` of ids). The rows are what the services write
(household → members → enrolments; one open enrolment per person and category, history rows ended
the day before the next starts), without the per-row audit events.

Layout: consecutive people form blocks of 5, each block split into households of 1–5 by one of a few
compositions; the head is the first person of each household. Every household lives in a county of
Shaanxi (610000): the roll is one province's, so a provincial scheme reaches all N people in one batch.
~60% of households are on dibao (every member enrolled), single-person ones partly 特困, the rest
low-income; 0.5% of people are orphans; 1% of enrolments revoked; 3% of people have an ended
enrolment in their history.
"""

from django.db import connection

from portal import pii
from portal.models import Region

from .models import Campaign, Enrolment, Household, Member, Scheme

PROVINCE = "610000"
# Compositions of a block of 5 people into households (sizes in order).
PATTERNS = [[5], [4, 1], [1, 4], [3, 2], [2, 3], [3, 2], [2, 3], [2, 2, 1], [1, 2, 2], [2, 1, 2], [4, 1], [3, 1, 1]]


def h(expr: str, salt: int, seed: int, mod: int) -> str:
    """SQL: a deterministic pseudo-random integer in [0, mod) from an integer expression."""
    return f"mod(hashint8(({expr})::bigint * 7919 + {salt * 104729 + seed})::bigint + 2147483648, {mod})"


def _pattern_values() -> str:
    rows = []
    for p, sizes in enumerate(PATTERNS):
        start = 0
        for size in sizes:
            for j in range(start, start + size):
                rows.append(f"({p}, {j}, {start}, {size})")
            start += size
    return ", ".join(rows)


def generate(ctx, stdout) -> str:
    s = ctx.seed
    first, last = ctx.first_person_id, ctx.last_person_id
    counties = list(Region.objects.filter(level=Region.Level.COUNTY, code__startswith=PROVINCE[:2])
                    .order_by("code").values_list("code", flat=True))
    hh, mem, enr = Household._meta.db_table, Member._meta.db_table, Enrolment._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {hh}")
        hh_base = cur.fetchone()[0]
        cur.execute("DROP TABLE IF EXISTS pop_pattern; DROP TABLE IF EXISTS pop_hh; DROP TABLE IF EXISTS pop_member")
        cur.execute("CREATE TEMP TABLE pop_pattern (pattern int, j int, start int, size int) ON COMMIT DROP")
        cur.execute(f"INSERT INTO pop_pattern VALUES {_pattern_values()}")
        # person -> head (first person of the household), position in the household, household size
        blk = f"((p.id - {first}) / 5)"
        cur.execute(
            f"CREATE TEMP TABLE pop_member ON COMMIT DROP AS"
            f" SELECT p.id AS person_id, {first} + {blk} * 5 + pt.start AS head_id, mod(p.id - {first}, 5) - pt.start AS pos,"
            f" LEAST(pt.size, {last} - ({first} + {blk} * 5 + pt.start) + 1) AS size"
            f" FROM portal_person p JOIN pop_pattern pt"
            f" ON pt.pattern = {h(blk, 1, s, len(PATTERNS))} AND pt.j = mod(p.id - {first}, 5)"
            f" WHERE p.id BETWEEN %s AND %s", [first, last])
        cur.execute("CREATE INDEX ON pop_member (person_id)")
        cur.execute(
            f"CREATE TEMP TABLE pop_hh ON COMMIT DROP AS"
            f" SELECT head_id, size, {hh_base} - 1 + row_number() OVER (ORDER BY head_id) AS hid,"
            f" (%s::varchar[])[1 + {h('head_id', 2, s, len(counties))}] AS region,"
            f" CASE WHEN {h('head_id', 3, s, 100)} < 55 THEN 'urban' ELSE 'rural' END AS area"
            f" FROM pop_member WHERE pos = 0", [counties])
        cur.execute("CREATE UNIQUE INDEX ON pop_hh (head_id)")
        cur.execute("ANALYZE pop_member; ANALYZE pop_hh")
        lo = first
        while lo <= last:
            hi = min(lo + ctx.chunk - 1, last)
            cur.execute(
                f"INSERT INTO {hh} (id, region_id, area, address, head_id, created_by_id, created_at, updated_at)"
                f" SELECT x.hid, x.region, x.area,"
                f" r.name || CASE WHEN x.area = 'urban' THEN '幸福路' ELSE '新村' END || ({h('x.head_id', 4, s, 300)} + 1) || '号'"
                f" || ({h('x.head_id', 5, s, 30)} + 1) || '室',"
                f" x.head_id, NULL, now(), now()"
                f" FROM pop_hh x JOIN portal_region r ON r.code = x.region WHERE x.head_id BETWEEN %s AND %s"
                f" ORDER BY x.hid", [lo, hi])
            # the account is encrypted at rest (portal.pii): generated in SQL, sealed here, one UPDATE a chunk
            cur.execute(f"SELECT x.hid, '6217' || lpad(({h('x.head_id', 6, s, 1000000007)})::text, 15, '0')"
                        f" FROM pop_hh x WHERE x.head_id BETWEEN %s AND %s", [lo, hi])
            generated = cur.fetchall()
            for i in range(0, len(generated), 5000):  # bounded statements (parameters)
                sealed = [(hid, *pii.seal(pii.ACCOUNT, account)) for hid, account in generated[i:i + 5000]]
                cur.execute(
                    f"UPDATE {hh} t SET bank_account_hmac = v.mac, bank_account_enc = v.enc, bank_account_masked = v.masked"
                    f" FROM (VALUES {', '.join(['(%s, %s, %s::bytea, %s)'] * len(sealed))}) AS v(id, mac, enc, masked)"
                    f" WHERE t.id = v.id", [x for row in sealed for x in row])
            cur.execute(
                f"INSERT INTO {mem} (household_id, person_id, relation, joined_on, left_on)"
                f" SELECT x.hid, m.person_id,"
                f" CASE WHEN m.pos = 0 THEN 'head' WHEN m.pos = 1 THEN 'spouse'"
                f" WHEN {h('m.person_id', 7, s, 5)} = 0 THEN 'parent' ELSE 'child' END,"
                f" DATE '2018-01-01' + {h('x.hid', 8, s, 2000)}::int, NULL"
                f" FROM pop_member m JOIN pop_hh x ON x.head_id = m.head_id WHERE m.person_id BETWEEN %s AND %s"
                f" ORDER BY m.person_id", [lo, hi])
            cat = (f"CASE WHEN {h('m.person_id', 9, s, 200)} = 0 THEN 'orphan'"
                   f" WHEN {h('x.hid', 10, s, 100)} < 60 THEN 'dibao'"
                   f" WHEN {h('x.hid', 10, s, 100)} < 66 AND x.size = 1 THEN 'tekun'"
                   f" WHEN {h('x.hid', 10, s, 100)} < 66 THEN 'dibao' ELSE 'low_income' END")
            amount = (f"CASE c.category WHEN 'dibao' THEN (CASE WHEN x.area = 'urban' THEN 40000 + {h('c.person_id', 11, s, 40000)}"
                      f" ELSE 25000 + {h('c.person_id', 11, s, 30000)} END)"
                      f" WHEN 'tekun' THEN 90000 + {h('c.person_id', 12, s, 30000)}"
                      f" WHEN 'orphan' THEN 150000 + {h('c.person_id', 13, s, 20000)} ELSE 0 END")
            start = f"(DATE '2024-01-01' + {h('c.person_id', 14, s, 600)}::int)"
            base = (f" FROM (SELECT m.person_id, m.head_id, {cat} AS category FROM pop_member m"
                    f" JOIN pop_hh x ON x.head_id = m.head_id WHERE m.person_id BETWEEN %s AND %s) c"
                    f" JOIN pop_hh x ON x.head_id = c.head_id")
            cols = (f"INSERT INTO {enr} (person_id, household_id, region_id, category, monthly_amount, start_date, end_date,"
                    f" status, created_by_id, created_at)")
            # history first (ids in time order): an ended earlier period for 3% of people
            cur.execute(
                f"{cols} SELECT c.person_id, x.hid, x.region, c.category, ({amount}) * 9 / 10,"
                f" {start} - 400, {start} - 1, 'ended', NULL, now()"
                f"{base} WHERE {h('c.person_id', 15, s, 100)} BETWEEN 1 AND 3 ORDER BY c.person_id", [lo, hi])
            cur.execute(
                f"{cols} SELECT c.person_id, x.hid, x.region, c.category, {amount}, {start}, NULL,"
                f" CASE WHEN {h('c.person_id', 16, s, 100)} = 0 THEN 'revoked' ELSE 'active' END, NULL, now()"
                f"{base} ORDER BY c.person_id", [lo, hi])
            lo = hi + 1
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{hh}', 'id'), (SELECT MAX(id) FROM {hh}))")
        cur.execute("SELECT COUNT(*) FROM pop_hh")
        households = cur.fetchone()[0]
        cur.execute(f"SELECT COUNT(*) FROM {enr} e WHERE e.person_id BETWEEN %s AND %s", [first, last])
        enrolments = cur.fetchone()[0]
        cur.execute("DROP TABLE pop_member; DROP TABLE pop_hh; DROP TABLE pop_pattern")

    campaign, _ = Campaign.objects.get_or_create(name="冬春救助（基准测试）")
    common = {"region_id": PROVINCE, "budget": 10**14, "deadline": "2027-03-31", "campaign": campaign}
    schemes = [
        dict(name="一次性生活补贴（基准）", kind=Scheme.Kind.ONE_TIME, unit=Scheme.Unit.PERSON,
             categories=["dibao", "tekun", "orphan", "low_income"], urban_amount=50000, rural_amount=40000),
        dict(name="取暖救助（基准）", kind=Scheme.Kind.HEATING, unit=Scheme.Unit.HOUSEHOLD,
             categories=["dibao", "tekun"], urban_amount=60000, rural_amount=80000, payment_form="fee_waiver"),
        dict(name="增发一个月救助金（基准）", kind=Scheme.Kind.EXTRA_MONTH, unit=Scheme.Unit.PERSON,
             categories=["dibao", "tekun", "orphan"], urban_amount=0, rural_amount=0, months=1),
    ]
    for spec in schemes:
        if not Scheme.objects.filter(name=spec["name"]).exists():
            Scheme.objects.create(**common, **spec)
    return f"{households:,} households in {PROVINCE}, {enrolments:,} enrolments, {len(schemes)} schemes"
