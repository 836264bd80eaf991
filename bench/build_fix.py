#!/usr/bin/env python
"""Evidence for docs/performance.md: the batch build's chunk SQL as the service writes it, vs the same SQL
with the chunk's key range repeated on the enrolment table (the proposed fix), both chunked by 20,000
person ids into scratch copies of the payment table (no foreign keys), plus the EXPLAIN ANALYZE of one
chunk of each. Run against a generated bench database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench python bench/build_fix.py
"""

import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from assistance import services  # noqa: E402
from assistance.models import Batch, Scheme  # noqa: E402


def chunk_sql(batch, lo, hi):
    captured = []
    import django.db.backends.utils as u

    real = u.CursorWrapper.execute

    def spy(self, sql, params=None):
        if sql.startswith("INSERT INTO assistance_payment"):
            captured.append((sql, params))
            return None
        return real(self, sql, params)

    u.CursorWrapper.execute = spy
    try:
        services._insert_chunk(batch, lo, hi)
    finally:
        u.CursorWrapper.execute = real
    return captured[0]


def main():
    scheme = Scheme.objects.get(name="一次性生活补贴（基准）")
    with transaction.atomic():
        batch = Batch.objects.create(scheme=scheme, region_id="610000", period="FIXTEST", built_on=dt.date(2026, 11, 28))
        lo, hi = services._build_bounds(batch)
        size = services.build_chunk_size()
        marker = " AND e.category IN ("
        with connection.cursor() as cur:
            for label in ("as written", "fixed", "fixed, with the payment table's foreign keys"):
                cur.execute("DROP TABLE IF EXISTS bench_fix; CREATE TABLE bench_fix (LIKE assistance_payment INCLUDING ALL)")
                if label.endswith("keys"):
                    for col, ref in (("batch_id", "assistance_batch(id)"), ("scheme_id", "assistance_scheme(id)"),
                                     ("household_id", "assistance_household(id)"), ("person_id", "portal_person(id)"),
                                     ("region_id", "portal_region(code)")):
                        cur.execute(f"ALTER TABLE bench_fix ADD FOREIGN KEY ({col}) REFERENCES {ref}"
                                    " DEFERRABLE INITIALLY DEFERRED")
                t0, rows, first_plan = time.perf_counter(), 0, None
                k = lo
                while k <= hi:
                    s, p = chunk_sql(batch, k, min(k + size - 1, hi))
                    if label != "as written":
                        s = s.replace(marker, " AND e.person_id BETWEEN %s AND %s" + marker, 1)
                        i = p.index(k, 6) + 7  # after the member/person ranges, the region range and the day
                        p = [*p[:i], k, min(k + size - 1, hi), *p[i:]]
                    s = s.replace("INSERT INTO assistance_payment", "INSERT INTO bench_fix", 1)
                    if first_plan is None:
                        cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + s, p)
                        first_plan = [r[0] for r in cur.fetchall()]
                        cur.execute("SET CONSTRAINTS ALL IMMEDIATE; TRUNCATE bench_fix; SET CONSTRAINTS ALL DEFERRED")
                    cur.execute(s, p)
                    rows += cur.rowcount
                    k += size
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")  # run the deferred FK checks now
                print(f"{label}: {rows:,} rows in {time.perf_counter() - t0:.2f}s")
                print("  " + "\n  ".join(line for line in first_plan if "Seq Scan" in line or "Execution" in line))
            cur.execute("DROP TABLE bench_fix")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
