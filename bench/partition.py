#!/usr/bin/env python
"""Partitioning tried on the bench database: the same statements on a plain copy and on a partitioned copy.

    DATABASE_URL=postgres://…/portal_bench python bench/partition.py [--months 12] [--years 3]
        [--tables payments,spends,ledger,audit] [--json FILE]

Run after `bench/run.py` (or `manage.py generate_population`) has filled the database. Nothing of the
portal's own tables is changed: every table here is a scratch copy (`bench_part_*`), dropped at the end.

- **Payments** by month (`period`, 'YYYY-MM', RANGE): a plain copy of `assistance_payment` and a copy
  partitioned by month, both first given `--months - 1` earlier months of history (the same province's
  rows, one month each), then timed: the month's build (the benchmark's `INSERT … SELECT` of every eligible
  person of the province) and its payout (`UPDATE … SET status = 'paid'` of the month's pending rows).
- **Spends** by clearing month (`clearing_month`, RANGE): a plain copy of `medical_pooling_spend` and a
  partitioned one, both with the population's month and `--months - 1` earlier months (the same spends
  shifted by whole months), then timed: a month's clearing statement (the cross-region `GROUP BY` the
  settlement run makes, by `clearing_month`).
- **Ledger** by year of `at` (RANGE): a plain copy of `medical_pooling_ledgerentry` and one partitioned by
  year, both with `--years` years: the population's rows shifted back by whole years, and
  `--ledger-contributions` contribution rows a year for every account (the newest year without its
  December). Timed: an account's page (`ledger_of(…)[:50]`: `WHERE account_id = … ORDER BY id DESC LIMIT 50`)
  and the refund check (`spend_id = … AND kind = 'refund'`), `--lookups` each a round, and December's
  contribution run (one row per account, set-based `INSERT … SELECT`).
- **Audit** by year of `at` (RANGE): a plain copy of `portal_auditevent` and one partitioned by year, both
  given `--audit-rows` synthetic events over `--years` years, generated set-based in the portal's shape (an
  action on an object, a county, a small before/after, a sha256 chain linked by `prev_hash`; the bench
  population has almost no audit rows). The newest year lacks its December. Timed: December's events
  appended set-based; `--appends` single audited appends (read the chain head `ORDER BY id DESC LIMIT 1`,
  insert, commit, as `portal.services.audit` does); an object's history (`object_type`, `object_id`,
  newest 50); and the verifier's walk in id order with the links checked in SQL (`LAG(hash) OVER (ORDER BY
  id)`), of the whole chain and of the newest year.

Both copies have the same columns, defaults, CHECKs and indexes; on the partitioned one every unique index
carries the partition key (PostgreSQL requires it: the primary key becomes (id, period), the ledger's
one-refund-per-spend index (spend_id, at)). Neither has foreign keys (the portal's tables do; they cost the
same per row on either). Each statement is timed `--repeat` times (writes on fresh month data; reads after
one untimed warming round), and the median is kept. With `--json`, the file is updated after each table
(an existing file of the same population is extended), with the load average before and after each.
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _sql(cur, sql, params=None):
    cur.execute(sql, params)
    return cur.rowcount


def _months_back(month: str, n: int) -> list[str]:
    y, m = int(month[:4]), int(month[5:7])
    out = []
    for _i in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return list(reversed(out))


def _next(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return f"{y + (m == 12):04d}-{1 if m == 12 else m + 1:02d}"


def _copy_indexes(cur, src: str, dst: str, key: str | None) -> None:
    """The index definitions of `src` on `dst`; with `key`, each unique index gets the partition key."""
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [src])
    for name, definition in cur.fetchall():
        new = definition.replace(f"ON public.{src} ", f"ON public.{dst} ").replace(
            f" INDEX {name} ", f" INDEX {dst}_{name[-30:]} ")
        if key and "UNIQUE" in definition and f"{key}" not in definition.split("USING btree", 1)[1].split(")")[0]:
            cols_start = new.index("USING btree (") + len("USING btree (")
            new = new[:cols_start] + new[cols_start:].replace(")", f", {key})", 1)
        cur.execute(new)


def _month_bounds(months: list[str]) -> list[tuple[str, str, str]]:
    """One partition a month ('YYYY-MM' keys), and the month after the last."""
    return [(month.replace("-", "_"), month, _next(month)) for month in [*months, _next(months[-1])]]


def _year_bounds(years: list[int]) -> list[tuple[str, str, str]]:
    """One partition a year of a timestamp key (UTC+8 years, as the portal's TIME_ZONE), and the year after."""
    return [(f"y{y}", f"{y}-01-01 00:00+08", f"{y + 1}-01-01 00:00+08") for y in [*years, years[-1] + 1]]


def _table(cur, src: str, dst: str, key: str | None, bounds: list[tuple[str, str, str]]) -> None:
    cur.execute(f"DROP TABLE IF EXISTS {dst} CASCADE")
    like = f"LIKE {src} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY INCLUDING GENERATED"
    if key is None:
        cur.execute(f"CREATE TABLE {dst} ({like})")
    else:
        cur.execute(f"CREATE TABLE {dst} ({like}) PARTITION BY RANGE ({key})")
        for suffix, lo, hi in bounds:
            cur.execute(f"CREATE TABLE {dst}_{suffix} PARTITION OF {dst} FOR VALUES FROM (%s) TO (%s)", [lo, hi])
    _copy_indexes(cur, src, dst, key)


PAYMENT_COLS = ("batch_id, scheme_id, period, household_id, person_id, region_id, name, id_number_hmac, id_number_enc,"
                " id_number_masked, amount, category,"
                " status, attempts, reason, created_at, updated_at")


def _build_sql(table: str) -> str:
    """The batch-build benchmark's statement: one payment per eligible person of the province (610000)."""
    return (
        f"INSERT INTO {table} ({PAYMENT_COLS})"
        f" SELECT 0, 0, %(period)s, m.household_id, m.person_id, h.region_id, p.name, p.id_number_hmac, p.id_number_enc, p.id_number_masked,"
        f" CASE WHEN h.area = 'urban' THEN 50000 ELSE 40000 END, MIN(e.category), 'pending', 0, '', now(), now()"
        f" FROM assistance_member m JOIN assistance_household h ON h.id = m.household_id"
        f" JOIN portal_person p ON p.id = m.person_id JOIN assistance_enrolment e ON e.person_id = m.person_id"
        f" WHERE m.left_on IS NULL AND h.region_id BETWEEN '610000' AND '619999'"
        f" AND e.status <> 'revoked' AND e.start_date <= %(on)s AND (e.end_date IS NULL OR e.end_date >= %(on)s)"
        f" AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.scheme_id = 0 AND x.period = %(period)s"
        f" AND x.person_id = m.person_id AND x.status <> 'cancelled')"
        f" GROUP BY m.household_id, m.person_id, h.region_id, h.area, p.name, p.id_number_hmac, p.id_number_enc, p.id_number_masked")


def _payout_sql(table: str) -> str:
    return (f"UPDATE {table} SET status = 'paid', attempts = attempts + 1, paid_at = now(), updated_at = now()"
            f" WHERE period = %(period)s AND status = 'pending'")


CLEARING_SQL = ("SELECT payer_region, payee_region, COUNT(*), SUM(amount) FROM {table}"
                " WHERE clearing_month = %(month)s AND payer_region <> payee_region GROUP BY payer_region, payee_region")


def payments(cur, args, results) -> None:
    on = dt.date(2026, 11, 28)
    history = _months_back("2026-10", args.months - 1)  # payments: months before the timed ones
    timed_months = ["2026-11", "2026-12", "2027-01"][: args.repeat]
    pay_months = history + timed_months
    for kind, key in (("plain", None), ("partitioned", "period")):
        table = f"bench_part_pay_{kind}"
        t0 = time.perf_counter()
        _table(cur, "assistance_payment", table, key, _month_bounds(pay_months))
        first = history[0]
        rows = _sql(cur, _build_sql(table), {"period": first, "on": on})
        _sql(cur, f"UPDATE {table} SET status = 'paid' WHERE status = 'pending'")  # history is paid
        for month in history[1:]:  # the same (paid) rows again for each earlier month
            _sql(cur, f"INSERT INTO {table} ({PAYMENT_COLS}) SELECT {PAYMENT_COLS.replace('period', '%(m)s')}"
                      f" FROM {table} WHERE period = %(first)s", {"m": month, "first": first})
        cur.execute(f"VACUUM ANALYZE {table}")
        setup = time.perf_counter() - t0
        builds, payouts = [], []
        for month in timed_months:
            t0 = time.perf_counter()
            n = _sql(cur, _build_sql(table), {"period": month, "on": on})
            builds.append(time.perf_counter() - t0)
            cur.execute(f"ANALYZE {table}")  # as batch_build does after a large build
            t0 = time.perf_counter()
            m = _sql(cur, _payout_sql(table), {"period": month})
            payouts.append(time.perf_counter() - t0)
            assert n == m == rows, (n, m, rows)
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        total = cur.fetchone()[0]
        results["rows"][f"payments_{kind}"] = total
        results["rows"]["payments_per_month"] = rows
        results["seconds"][f"build_{kind}"] = statistics.median(builds)
        results["seconds"][f"payout_{kind}"] = statistics.median(payouts)
        results["seconds"][f"payments_setup_{kind}"] = setup
        print(f"payments {kind:<12} {total:>11,} rows ({rows:,} a month): build {statistics.median(builds):.3f} s,"
              f" payout {statistics.median(payouts):.3f} s  (all: {[round(b, 3) for b in builds]},"
              f" {[round(p, 3) for p in payouts]})", flush=True)
        cur.execute(f"DROP TABLE {table} CASCADE")


def spends(cur, args, results) -> None:
    cur.execute("SELECT clearing_month, COUNT(*) FROM medical_pooling_spend GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
    spend_month, month_spends = cur.fetchone()
    spend_months = _months_back(spend_month, args.months)
    cols = ("relation_id, institution_id, premium_scheme, premium_year, beneficiary_id, category, amount, occurred_at,"
            " payer_region, payee_region, clearing_month, refund_of_id, created_at, created_by_id")
    for kind, key in (("plain", None), ("partitioned", "clearing_month")):
        table = f"bench_part_spend_{kind}"
        _table(cur, "medical_pooling_spend", table, key, _month_bounds(spend_months))
        for back, month in enumerate(reversed(spend_months)):
            shifted = (cols.replace("occurred_at,", f"occurred_at - interval '{back} months',")
                       .replace("clearing_month,", "%(m)s,"))
            _sql(cur, f"INSERT INTO {table} ({cols}) SELECT {shifted} FROM medical_pooling_spend"
                      f" WHERE clearing_month = %(src)s", {"m": month, "src": spend_month})
        cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        total = cur.fetchone()[0]
        times = []
        for _i in range(args.repeat + 1):  # the first run warms the cache and is not kept
            t0 = time.perf_counter()
            cur.execute(CLEARING_SQL.format(table=table), {"month": spend_month})
            pairs = len(cur.fetchall())
            times.append(time.perf_counter() - t0)
        results["rows"][f"spends_{kind}"] = total
        results["rows"]["spends_per_month"] = month_spends
        results["rows"]["clearing_pairs"] = pairs
        results["seconds"][f"clearing_{kind}"] = statistics.median(times[1:])
        print(f"spends   {kind:<12} {total:>11,} rows ({month_spends:,} a month): clearing of {spend_month}"
              f" {statistics.median(times[1:]):.3f} s ({pairs:,} region pairs)", flush=True)
        cur.execute(f"DROP TABLE {table} CASCADE")


def _timed_each(cur, sql: str, params: list) -> float:
    """Seconds per statement: `sql` run once for each of `params`, one after the other."""
    t0 = time.perf_counter()
    for p in params:
        cur.execute(sql, p)
        cur.fetchall()
    return (time.perf_counter() - t0) / len(params)


LEDGER_COLS = ("account_id, kind, amount, reserved_delta, balance_after, reserved_after, relation_id, spend_id,"
               " own_spend_id, note, at")
HISTORY_SQL = ("SELECT id, kind, amount, reserved_delta, balance_after, reserved_after, note, at FROM {table}"
               " WHERE account_id = %s ORDER BY id DESC LIMIT 50")  # ledger_of(…)[:50], the account page
REFUND_SQL = "SELECT 1 FROM {table} WHERE spend_id = %s AND kind = 'refund' LIMIT 1"  # spend_refund's check


def ledger(cur, args, results, rng) -> None:
    """The ledger by year of `at`: the population's rows, plus `--ledger-contributions` monthly contribution
    rows a year for every account, copied into `--years` years; then an account's page, the refund check and
    a month's contribution run (one row per account, set-based), on a plain and a yearly-partitioned copy."""
    cur.execute("SELECT EXTRACT(YEAR FROM MAX(at) AT TIME ZONE 'Asia/Shanghai')::int, COUNT(*)"
                " FROM medical_pooling_ledgerentry")
    last_year, population_rows = cur.fetchone()
    years = list(range(last_year - args.years + 1, last_year + 1))
    cur.execute("SELECT COUNT(*) FROM medical_pooling_account")
    accounts = cur.fetchone()[0]
    cur.execute("SELECT id FROM medical_pooling_account ORDER BY random() LIMIT %s", [args.lookups * (args.repeat + 1)])
    sample_accounts = [(a,) for (a,) in cur.fetchall()]
    cur.execute("SELECT id FROM medical_pooling_spend ORDER BY random() LIMIT %s", [args.lookups * (args.repeat + 1)])
    sample_spends = [(s,) for (s,) in cur.fetchall()]
    rng.shuffle(sample_accounts)
    for kind, key in (("plain", None), ("partitioned", "at")):
        table = f"bench_part_ledger_{kind}"
        t0 = time.perf_counter()
        _table(cur, "medical_pooling_ledgerentry", table, key, _year_bounds(years))
        start = f"{years[0]}-01-01 00:00+08"
        for year in years if args.ledger_contributions else []:  # the contribution runs, a year at a time
            _sql(cur, f"INSERT INTO {table} ({LEDGER_COLS})"
                      f" SELECT a.id, 'contribution', 20000, 0, a.balance, a.reserved, NULL, NULL, NULL,"
                      f" '个人账户划入', make_timestamptz(%(y)s, 12 * g.k / %(n)s + 1, 5, 8, 0, 0, 'Asia/Shanghai')"
                      f" FROM generate_series(0, %(n)s - 1) AS g(k) CROSS JOIN medical_pooling_account a"
                      f" WHERE %(y)s < %(last)s OR 12 * g.k / %(n)s + 1 < 12"  # the newest year's December is timed
                      f" ORDER BY g.k, a.id", {"y": year, "n": args.ledger_contributions, "last": last_year})
        for back in range(args.years - 1, -1, -1):  # the population's rows, shifted back by whole years
            # (a refund is copied once: the plain copy keeps the one-refund-per-spend index)
            _sql(cur, f"INSERT INTO {table} ({LEDGER_COLS}) SELECT {LEDGER_COLS.replace(', at', ', at - %(b)s')}"
                      f" FROM medical_pooling_ledgerentry WHERE at - %(b)s >= %(start)s AND (%(back)s = 0 OR kind <> 'refund')"
                      f" ORDER BY at, id", {"b": dt.timedelta(days=365 * back), "start": start, "back": back})
        cur.execute(f"VACUUM ANALYZE {table}")
        setup = time.perf_counter() - t0
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        total = cur.fetchone()[0]
        histories, refunds, inserts = [], [], []
        for r in range(args.repeat + 1):  # round 0 warms the cache and is not kept
            chunk = slice(r * args.lookups, (r + 1) * args.lookups)
            histories.append(_timed_each(cur, HISTORY_SQL.format(table=table), sample_accounts[chunk]))
            refunds.append(_timed_each(cur, REFUND_SQL.format(table=table), sample_spends[chunk]))
            if r:  # the month's contribution run: December of the newest year, one row per account
                t0 = time.perf_counter()
                n = _sql(cur, f"INSERT INTO {table} ({LEDGER_COLS})"
                              f" SELECT id, 'contribution', 20000, 0, balance, reserved, NULL, NULL, NULL,"
                              f" '个人账户划入', make_timestamptz(%(y)s, 12, %(d)s, 8, 0, 0, 'Asia/Shanghai')"
                              f" FROM medical_pooling_account ORDER BY id", {"y": last_year, "d": r})
                inserts.append(time.perf_counter() - t0)
                assert n == accounts, (n, accounts)
        results["rows"][f"ledger_{kind}"] = total
        results["rows"]["ledger_population"] = population_rows
        results["rows"]["ledger_accounts"] = accounts
        results["rows"]["ledger_years"] = years
        s = results["seconds"]
        s[f"ledger_history_{kind}"] = statistics.median(histories[1:])
        s[f"ledger_refund_check_{kind}"] = statistics.median(refunds[1:])
        s[f"ledger_month_insert_{kind}"] = statistics.median(inserts)
        s[f"ledger_setup_{kind}"] = setup
        print(f"ledger   {kind:<12} {total:>11,} rows ({len(years)} years, {accounts:,} accounts):"
              f" account page {1000 * s[f'ledger_history_{kind}']:.2f} ms,"
              f" refund check {1000 * s[f'ledger_refund_check_{kind}']:.2f} ms,"
              f" month's contribution run {s[f'ledger_month_insert_{kind}']:.2f} s"
              f"  (all: {[round(x, 2) for x in inserts]}; setup {setup:.0f} s)", flush=True)
        cur.execute(f"DROP TABLE {table} CASCADE")


AUDIT_COLS = "at, actor_id, action, object_type, object_id, region_code, before, after, note, prev_hash, hash, hash_version"
AUDIT_ACTIONS = [("payment.create", "assistance.payment"), ("payment.pay", "assistance.payment"),
                 ("household.update", "assistance.household"), ("spend.create", "medical_pooling.spend"),
                 ("spend.refund", "medical_pooling.spend"), ("enrolment.approve", "assistance.enrolment"),
                 ("insured.update", "medical_pooling.insured"), ("certificate.issue", "skills_training.certificate")]
AUDIT_OBJECTS = 2_000_003  # object ids: (g * 7919) mod this; each object is touched by a few events


def _audit_rows_sql(table: str) -> str:
    """Events g0..g1 of a synthetic chain, spaced evenly from `start` over `span` seconds: the portal's shape
    (an action and its object, a county, a before/after of a few fields, sha256 hex hashes linked by prev_hash)."""
    return (
        f"INSERT INTO {table} ({AUDIT_COLS})"
        f" SELECT TIMESTAMPTZ %(start)s + ((g - %(g0)s) * %(span)s / (%(g1)s - %(g0)s + 1)) * interval '1 second',"
        f" CASE WHEN g %% 10 = 0 THEN NULL ELSE 1 + g %% 500 END,"
        f" (%(actions)s::varchar[])[1 + g %% 8], (%(types)s::varchar[])[1 + g %% 8],"
        f" ((g * 7919) %% {AUDIT_OBJECTS})::text, (%(regions)s::varchar[])[1 + (g * 31) %% %(nregions)s],"
        f" CASE WHEN g %% 8 IN (0, 3) THEN NULL"
        f" ELSE jsonb_build_object('status', 'pending', 'amount', 40000 + g %% 10000, 'updated_at', '2026-01-01') END,"
        f" jsonb_build_object('status', 'paid', 'amount', 40000 + g %% 10000, 'attempts', 1, 'updated_at', '2026-01-02'),"
        f" '', encode(sha256((g - 1)::text::bytea), 'hex'), encode(sha256(g::text::bytea), 'hex'), 2"
        f" FROM generate_series(%(g0)s::bigint, %(g1)s::bigint) AS g ORDER BY g")


VERIFY_SQL = ("SELECT COUNT(*), COUNT(*) FILTER (WHERE prev_hash <> COALESCE(p, prev_hash)) FROM"
              " (SELECT prev_hash, before, after, LAG(hash) OVER (ORDER BY id) AS p FROM {table} {where}) c")
OBJECT_SQL = ("SELECT id, at, action, actor_id, before, after FROM {table} WHERE object_type = %s AND object_id = %s"
              " ORDER BY id DESC LIMIT 50")
LAST_HASH_SQL = "SELECT hash FROM {table} ORDER BY id DESC LIMIT 1"  # portal.services.audit's chain head


def audit(cur, args, results, rng) -> None:
    """The audit table by year of `at`: `--audit-rows` synthetic events over `--years` years, then a month's
    events appended set-based, single audited appends (read the chain head, insert, commit), an object's
    history, and the verifier's walk in id order (the whole chain, and the newest year)."""
    cur.execute("SELECT code FROM portal_region WHERE level = 3 ORDER BY code")
    regions = [c for (c,) in cur.fetchall()] or ["610102"]
    last_year = 2026
    years = list(range(last_year - args.years + 1, last_year + 1))
    per_year = args.audit_rows // args.years
    month_rows = per_year // 12
    common = {"actions": [a for a, _t in AUDIT_ACTIONS], "types": [t for _a, t in AUDIT_ACTIONS],
              "regions": regions, "nregions": len(regions)}
    lookups = [(AUDIT_ACTIONS[g % 8][1], str((g * 7919) % AUDIT_OBJECTS))
               for g in (rng.randrange(1, per_year * args.years) for _i in range(args.lookups * (args.repeat + 1)))]
    for kind, key in (("plain", None), ("partitioned", "at")):
        table = f"bench_part_audit_{kind}"
        t0 = time.perf_counter()
        _table(cur, "portal_auditevent", table, key, _year_bounds(years))
        g = 1
        for i, year in enumerate(years):
            # the newest year is eleven months full: its December is appended by the timed statements
            n = per_year if i < len(years) - 1 else 11 * month_rows
            span = 365 * 86400 if n == per_year else 334 * 86400
            _sql(cur, _audit_rows_sql(table), {**common, "start": f"{year}-01-01 00:00+08", "span": span,
                                              "g0": g, "g1": g + n - 1})
            g += n
        cur.execute(f"VACUUM ANALYZE {table}")
        setup = time.perf_counter() - t0
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        total = cur.fetchone()[0]
        month_appends, single_appends, objects, verify_all, verify_year = [], [], [], [], []
        for r in range(args.repeat + 1):  # round 0 warms the cache and is not kept
            objects.append(_timed_each(cur, OBJECT_SQL.format(table=table),
                                       lookups[r * args.lookups:(r + 1) * args.lookups]))
            t0 = time.perf_counter()
            cur.execute(VERIFY_SQL.format(table=table, where=""))
            rows_all, broken = cur.fetchone()
            verify_all.append(time.perf_counter() - t0)
            assert broken == 0, broken
            t0 = time.perf_counter()
            cur.execute(VERIFY_SQL.format(table=table, where="WHERE at >= %(lo)s AND at < %(hi)s"),
                        {"lo": f"{last_year}-01-01 00:00+08", "hi": f"{last_year + 1}-01-01 00:00+08"})
            rows_year, broken = cur.fetchone()
            verify_year.append(time.perf_counter() - t0)
            if not r:
                continue
            # December's events set-based (each round once more), then single audited appends (each its own
            # transaction: the chain head read, the insert, the commit)
            t0 = time.perf_counter()
            _sql(cur, _audit_rows_sql(table), {**common, "start": f"{last_year}-12-01 00:00+08",
                                              "span": 30 * 86400, "g0": g, "g1": g + month_rows - 1})
            month_appends.append(time.perf_counter() - t0)
            g += month_rows
            t0 = time.perf_counter()
            for _i in range(args.appends):
                cur.execute("BEGIN")
                cur.execute(LAST_HASH_SQL.format(table=table))
                prev = cur.fetchone()[0]
                cur.execute(f"INSERT INTO {table} ({AUDIT_COLS}) VALUES (now(), 1, 'spend.create',"
                            f" 'medical_pooling.spend', %s, '610102', NULL, %s, '', %s, encode(sha256(%s::bytea), 'hex'), 2)",
                            [str(g), json.dumps({"amount": 12345}), prev, str(g).encode()])
                cur.execute("COMMIT")
                g += 1
            single_appends.append((time.perf_counter() - t0) / args.appends)
        results["rows"][f"audit_{kind}"] = total
        results["rows"]["audit_per_month"] = month_rows
        results["rows"]["audit_years"] = years
        results["rows"]["audit_newest_year_walked"] = rows_year
        s = results["seconds"]
        s[f"audit_month_append_{kind}"] = statistics.median(month_appends)
        s[f"audit_single_append_{kind}"] = statistics.median(single_appends)
        s[f"audit_object_{kind}"] = statistics.median(objects[1:])
        s[f"audit_verify_all_{kind}"] = statistics.median(verify_all[1:])
        s[f"audit_verify_year_{kind}"] = statistics.median(verify_year[1:])
        s[f"audit_setup_{kind}"] = setup
        print(f"audit    {kind:<12} {total:>11,} rows ({month_rows:,} a month): month's append"
              f" {s[f'audit_month_append_{kind}']:.2f} s, single append {1000 * s[f'audit_single_append_{kind}']:.2f} ms,"
              f" object history {1000 * s[f'audit_object_{kind}']:.2f} ms, walk of the chain"
              f" {s[f'audit_verify_all_{kind}']:.2f} s ({rows_all:,} rows), of the newest year"
              f" {s[f'audit_verify_year_{kind}']:.2f} s ({rows_year:,} rows)  (setup {setup:.0f} s)", flush=True)
        cur.execute(f"DROP TABLE {table} CASCADE")


RATIOS = ("build", "payout", "clearing", "ledger_history", "ledger_refund_check", "ledger_month_insert",
          "audit_month_append", "audit_single_append", "audit_object", "audit_verify_all", "audit_verify_year")


def main(argv=None):
    import random

    import psycopg2

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--months", type=int, default=12, help="months of history in each table (default 12)")
    parser.add_argument("--years", type=int, default=3, help="years in the ledger and audit copies (default 3)")
    parser.add_argument("--ledger-contributions", type=int, default=12,
                        help="contribution rows a year per account added to the ledger copies (default 12)")
    parser.add_argument("--audit-rows", type=int, default=3_000_000, help="audit events over --years (default 3M)")
    parser.add_argument("--lookups", type=int, default=300, help="single-row reads timed per round (default 300)")
    parser.add_argument("--appends", type=int, default=300, help="single audited appends per round (default 300)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tables", default="payments,spends,ledger,audit",
                        help="comma-separated: payments, spends, ledger, audit")
    parser.add_argument("--json", dest="json_path", help="results file; an existing one is updated, not replaced")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
    cx = psycopg2.connect(url)
    cx.autocommit = True
    cur = cx.cursor()
    rng = random.Random(2026)
    cur.execute("SELECT COUNT(*) FROM portal_person")
    people = cur.fetchone()[0]
    path = Path(args.json_path) if args.json_path else None
    results = json.loads(path.read_text()) if path and path.exists() else {}
    if results.get("people") not in (None, people):
        raise SystemExit(f"{path} holds a run at {results['people']:,} people, this database has {people:,}")
    results.update({"people": people, "months_of_history": args.months - 1, "repeat": args.repeat})
    results.setdefault("rows", {})
    results.setdefault("seconds", {})
    results.setdefault("load_average", {})
    for name in args.tables.split(","):
        before = os.getloadavg()[0]
        t0 = time.perf_counter()
        if name == "payments":
            payments(cur, args, results)
        elif name == "spends":
            spends(cur, args, results)
        elif name == "ledger":
            results["years"] = args.years
            ledger(cur, args, results, rng)
        elif name == "audit":
            results["years"] = args.years
            audit(cur, args, results, rng)
        else:
            raise SystemExit(f"unknown table {name!r}")
        results["load_average"][name] = [round(before, 2), round(os.getloadavg()[0], 2)]
        print(f"  ({name}: {time.perf_counter() - t0:.0f} s, load average {before:.1f} → {os.getloadavg()[0]:.1f})",
              flush=True)
        if path:  # after each table, so a stopped run keeps what it measured
            s = results["seconds"]
            results["ratios"] = {k: s[f"{k}_partitioned"] / s[f"{k}_plain"] for k in RATIOS
                                 if f"{k}_plain" in s and f"{k}_partitioned" in s}
            path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    s = results["seconds"]
    results["ratios"] = {k: s[f"{k}_partitioned"] / s[f"{k}_plain"] for k in RATIOS
                         if f"{k}_plain" in s and f"{k}_partitioned" in s}
    print("partitioned / plain: " + ", ".join(f"{k} {v:.2f}" for k, v in results["ratios"].items()))
    if path:
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
