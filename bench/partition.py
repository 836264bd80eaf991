#!/usr/bin/env python
"""Partitioning tried on the bench database: the same statements on a plain copy and on a partitioned copy.

    DATABASE_URL=postgres://…/portal_bench python bench/partition.py [--months 12] [--json FILE]

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

Both copies have the same columns, defaults, CHECKs and indexes; on the partitioned one every unique index
carries the partition key (PostgreSQL requires it: the primary key becomes (id, period)). Neither has
foreign keys (the portal's tables do; they cost the same per row on either). Each statement is timed
`--repeat` times on fresh month data, and the median is kept.
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


def _table(cur, src: str, dst: str, key: str | None, months: list[str]) -> None:
    cur.execute(f"DROP TABLE IF EXISTS {dst} CASCADE")
    like = f"LIKE {src} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY INCLUDING GENERATED"
    if key is None:
        cur.execute(f"CREATE TABLE {dst} ({like})")
    else:
        cur.execute(f"CREATE TABLE {dst} ({like}) PARTITION BY RANGE ({key})")
        for month in [*months, _next(months[-1])]:
            cur.execute(f"CREATE TABLE {dst}_{month.replace('-', '_')} PARTITION OF {dst}"
                        f" FOR VALUES FROM (%s) TO (%s)", [month, _next(month)])
    _copy_indexes(cur, src, dst, key)


PAYMENT_COLS = ("batch_id, scheme_id, period, household_id, person_id, region_id, name, id_number, amount, category,"
                " status, attempts, reason, created_at, updated_at")


def _build_sql(table: str) -> str:
    """The batch-build benchmark's statement: one payment per eligible person of the province (610000)."""
    return (
        f"INSERT INTO {table} ({PAYMENT_COLS})"
        f" SELECT 0, 0, %(period)s, m.household_id, m.person_id, h.region_id, p.name, p.id_number,"
        f" CASE WHEN h.area = 'urban' THEN 50000 ELSE 40000 END, MIN(e.category), 'pending', 0, '', now(), now()"
        f" FROM assistance_member m JOIN assistance_household h ON h.id = m.household_id"
        f" JOIN portal_person p ON p.id = m.person_id JOIN assistance_enrolment e ON e.person_id = m.person_id"
        f" WHERE m.left_on IS NULL AND h.region_id BETWEEN '610000' AND '619999'"
        f" AND e.status <> 'revoked' AND e.start_date <= %(on)s AND (e.end_date IS NULL OR e.end_date >= %(on)s)"
        f" AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.scheme_id = 0 AND x.period = %(period)s"
        f" AND x.person_id = m.person_id AND x.status <> 'cancelled')"
        f" GROUP BY m.household_id, m.person_id, h.region_id, h.area, p.name, p.id_number")


def _payout_sql(table: str) -> str:
    return (f"UPDATE {table} SET status = 'paid', attempts = attempts + 1, paid_at = now(), updated_at = now()"
            f" WHERE period = %(period)s AND status = 'pending'")


CLEARING_SQL = ("SELECT payer_region, payee_region, COUNT(*), SUM(amount) FROM {table}"
                " WHERE clearing_month = %(month)s AND payer_region <> payee_region GROUP BY payer_region, payee_region")


def main(argv=None):
    import psycopg2

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--months", type=int, default=12, help="months of history in each table (default 12)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
    cx = psycopg2.connect(url)
    cx.autocommit = True
    cur = cx.cursor()
    on = dt.date(2026, 11, 28)
    cur.execute("SELECT COUNT(*) FROM portal_person")
    people = cur.fetchone()[0]
    cur.execute("SELECT clearing_month, COUNT(*) FROM medical_pooling_spend GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
    spend_month, month_spends = cur.fetchone()
    history = _months_back("2026-10", args.months - 1)  # payments: months before the timed ones
    timed_months = ["2026-11", "2026-12", "2027-01"][: args.repeat]
    pay_months = history + timed_months
    results = {"people": people, "months_of_history": args.months - 1, "repeat": args.repeat, "rows": {},
               "seconds": {}}

    # ---- payments
    for kind, key in (("plain", None), ("partitioned", "period")):
        table = f"bench_part_pay_{kind}"
        t0 = time.perf_counter()
        _table(cur, "assistance_payment", table, key, pay_months)
        first = history[0]
        rows = _sql(cur, _build_sql(table), {"period": first, "on": on})
        for month in history[1:]:  # the same rows again for each earlier month
            _sql(cur, f"INSERT INTO {table} ({PAYMENT_COLS}) SELECT {PAYMENT_COLS.replace('period', '%(m)s')}"
                      f" FROM {table} WHERE period = %(first)s", {"m": month, "first": first})
        _sql(cur, f"UPDATE {table} SET status = 'paid' WHERE status = 'pending'")
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

    # ---- spends
    spend_months = _months_back(spend_month, args.months)
    cols = ("relation_id, institution_id, premium_scheme, premium_year, beneficiary_id, category, amount, occurred_at,"
            " payer_region, payee_region, clearing_month, refund_of_id, created_at, created_by_id")
    for kind, key in (("plain", None), ("partitioned", "clearing_month")):
        table = f"bench_part_spend_{kind}"
        _table(cur, "medical_pooling_spend", table, key, spend_months)
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

    s = results["seconds"]
    results["ratios"] = {name: s[f"{name}_partitioned"] / s[f"{name}_plain"] for name in ("build", "payout", "clearing")}
    print("partitioned / plain: " + ", ".join(f"{k} {v:.2f}" for k, v in results["ratios"].items()))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
