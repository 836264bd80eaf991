#!/usr/bin/env python
"""Time the pages people open every day against the bench database (after bench/run.py): each URL as a
province caseworker, a national insurance officer or an admin, median of 3 warm requests, with its
query count and slowest statement. Prints a Markdown table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench python bench/pages.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from assistance.models import Batch
    from bench.benchmarks import PROVINCE, _token, _user
    from portal.models import Role

    batch = Batch.objects.order_by("-recipient_count", "-id").first()
    caseworker = _user("bench_caseworker", Role.CASEWORKER, PROVINCE)
    officer = _user("bench_officer", Role.INSURANCE_OFFICER, None)
    admin = _user("bench_admin", Role.ADMIN, None, is_staff=True, is_superuser=True)
    b = batch.pk if batch else 0
    from assistance.models import Payment
    from portal import pii

    sample = Payment.objects.filter(batch_id=b).exclude(person=None).order_by("id").values("name", "id_number_enc").first()
    sample = ({"name": sample["name"], "id_number": pii.decrypt(pii.ID, sample["id_number_enc"])} if sample
              else {"name": "张", "id_number": ""})  # the number a caseworker types, as read out by the person
    plan = [
        (caseworker, ["/", "/assistance/households/", "/assistance/households/?q=张", "/assistance/batches/",
                      f"/assistance/batches/{b}/", f"/assistance/batches/{b}/payments/",
                      f"/assistance/batches/{b}/payments/?page=500", "/assistance/progress/",
                      # the payment list's search by a whole name and by a full ID number; the cascading
                      # region pickers' filter by a district and by a street (and the pickers' JSON)
                      f"/assistance/batches/{b}/payments/?q={sample['name']}",
                      f"/assistance/batches/{b}/payments/?q={sample['id_number']}",
                      # the search by the ID number's last four characters (Person.id_last4), in the batch
                      # and across the caseworker's households
                      f"/assistance/batches/{b}/payments/?q={sample['id_number'][-4:]}",
                      f"/assistance/households/?q={sample['id_number'][-4:]}",
                      f"/assistance/households/?q={sample['id_number'][-4:]}&region=610112",
                      "/assistance/households/?region=610112", "/assistance/households/?region=610112001",
                      "/regions/children/?parent=610100",
                      "/api/v1/assistance/households/", f"/api/v1/assistance/batches/{b}/payments/"]),
        (officer, ["/", "/pooling/insured/", "/pooling/settlements/", "/pooling/fraud/", "/api/v1/pooling/spends/",
                   "/api/v1/pooling/insured/"]),
        (admin, ["/admin/assistance/payment/", "/admin/assistance/household/", "/admin/portal/person/",
                 "/admin/medical_pooling/spend/", "/admin/medical_pooling/ledgerentry/"]),
    ]
    print(f"batch #{b}: {batch.recipient_count if batch else 0:,} payments\n")
    print("| role | page | status | ms (median of 3) | queries | slowest statement |")
    print("|---|---|---:|---:|---:|---|")
    for user, urls in plan:
        page = Client()
        page.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        api = Client(HTTP_AUTHORIZATION=f"Token {_token(user)}")
        for url in urls:
            client = api if url.startswith("/api/") else page
            client.get(url)  # warm
            times = []
            for _ in range(3):
                with CaptureQueriesContext(connection) as ctx:
                    t0 = time.perf_counter()
                    resp = client.get(url)
                    times.append(time.perf_counter() - t0)
            slow = max(ctx.captured_queries, key=lambda q: float(q["time"]))
            sql = slow["sql"][:60].replace("|", "\\|")
            print(f"| {user.role} | `{url}` | {resp.status_code} | {statistics.median(times) * 1000:.0f} |"
                  f" {len(ctx.captured_queries)} | {float(slow['time']) * 1000:.0f} ms: `{sql}…` |")


if __name__ == "__main__":
    main()
