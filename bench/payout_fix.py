#!/usr/bin/env python
"""Evidence for docs/performance.md: the payout task as written vs with the proposed set-based
`_apply_results` (one UPDATE … FROM unnest(…) RETURNING feeding the INSERT of the attempt rows, instead
of ORM objects and `id IN (…)` lists), patched in for this process only. Each variant builds, approves
and pays a fresh batch of the per-person one-time scheme on a generated bench database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench python bench/payout_fix.py [--chunk 10000]
"""

import argparse
import datetime as dt
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from assistance import services  # noqa: E402
from assistance.models import Batch, Scheme  # noqa: E402
from portal.models import Role, User  # noqa: E402

SQL = (
    "WITH r AS (SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) AS r(id, outcome, ref, msg)),"
    " upd AS (UPDATE assistance_payment p SET"
    " status = CASE r.outcome WHEN 'paid' THEN 'paid' WHEN 'failed' THEN 'failed' ELSE p.status END,"
    " attempts = p.attempts + 1,"
    " paid_at = CASE WHEN r.outcome = 'paid' THEN %s ELSE p.paid_at END,"
    " reason = CASE r.outcome WHEN 'paid' THEN '' WHEN 'failed' THEN r.msg ELSE p.reason END,"
    " updated_at = %s"
    " FROM r WHERE p.id = r.id AND p.status = 'pending' RETURNING p.id, p.amount, r.outcome, r.ref, r.msg),"
    " ins AS (INSERT INTO assistance_paymentattempt (payment_id, channel, outcome, reference, message, at)"
    " SELECT id, %s, outcome, ref, msg, %s FROM upd)"
    " SELECT COUNT(*) FILTER (WHERE outcome = 'paid'), COALESCE(SUM(amount) FILTER (WHERE outcome = 'paid'), 0),"
    " COUNT(*) FILTER (WHERE outcome = 'failed') FROM upd"
)


def apply_results_setbased(batch_id, channel, results):
    """The proposed assistance.services._apply_results (PostgreSQL branch)."""
    if not results:
        return 0, 0
    now = timezone.now()
    ids, outcomes, refs, msgs = (list(c) for c in zip(*[(r[0], r[1], r[2][:64], r[3][:255]) for r in results], strict=True))
    with connection.cursor() as cur:
        cur.execute(SQL, [ids, outcomes, refs, msgs, now, now, channel, now])
        paid, paid_sum, failed = cur.fetchone()
    if paid or failed:
        scheme_id = Batch.objects.filter(pk=batch_id).values_list("scheme_id", flat=True).get()
        Batch.objects.filter(pk=batch_id).update(paid_count=F("paid_count") + paid, paid_amount=F("paid_amount") + paid_sum,
                                                 failed_count=F("failed_count") + failed)
        if paid_sum:
            Scheme.objects.filter(pk=scheme_id).update(paid=F("paid") + paid_sum, reserved=F("reserved") - paid_sum)
    return paid, failed


def one(label, cw, ap, scheme):
    batch = services.batch_create(scheme=scheme, region="610000", actor=cw, period="F" + uuid.uuid4().hex[:6],
                                  built_on=dt.date(2026, 11, 28))
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE assistance_payment")
    t0 = time.perf_counter()
    services.batch_approve(batch=Batch.objects.get(pk=batch.pk), actor=ap)
    seconds = time.perf_counter() - t0
    batch.refresh_from_db()
    print(f"{label}: batch #{batch.pk} {batch.status}, {batch.paid_count:,} paid in {seconds:.2f}s"
          f" ({batch.paid_count / seconds:,.0f}/s)", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunk", type=int, default=None, help="ASSISTANCE_PAY_CHUNK for the fixed variant")
    parser.add_argument("--only-fixed", action="store_true", help="skip the as-written variant (its time is in the table)")
    args = parser.parse_args()
    cw = User.objects.get_or_create(username="bench_caseworker", defaults={"role": Role.CASEWORKER, "region_id": "610000"})[0]
    ap = User.objects.get_or_create(username="bench_approver", defaults={"role": Role.APPROVER, "region_id": "610000"})[0]
    scheme = Scheme.objects.get(name="一次性生活补贴（基准）")
    Scheme.objects.filter(pk=scheme.pk).update(budget=10**15)
    if not args.only_fixed:
        one("as written", cw, ap, scheme)
    services._apply_results = apply_results_setbased
    if args.chunk:
        from django.conf import settings

        settings.ASSISTANCE_PAY_CHUNK = args.chunk
    one(f"set-based _apply_results{f', chunk {args.chunk}' if args.chunk else ''}", cw, ap, scheme)


if __name__ == "__main__":
    main()
