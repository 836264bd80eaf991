"""Two batches of one scheme built at the same time: the unique key keeps everyone in exactly one."""

import threading

import pytest
from django.db import connection

from assistance import services
from assistance.models import Batch, Payment

from . import factories as f


@pytest.mark.django_db(transaction=True)
def test_concurrent_builds_of_one_scheme_never_duplicate(caseworker, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite locks the whole table")
    settings.ASSISTANCE_BUILD_CHUNK = 3
    for _ in range(12):
        f.household(caseworker, members=2, region="610112")
    sch = f.scheme(caseworker)
    a = services.batch_create(scheme=sch, region="610100", actor=caseworker)
    b = services.batch_create(scheme=sch, region="610112", actor=caseworker)
    # batch_create queued builds on commit (eager here); reset them to run them concurrently
    Payment.objects.filter(batch__in=[a, b]).delete()
    Batch.objects.filter(pk__in=[a.pk, b.pk]).update(status="building", build_hi=0, build_lo=0, build_cursor=0,
                                                    recipient_count=0, total_amount=0, progress=0)
    errors = []
    barrier = threading.Barrier(2)

    def run(batch_id):
        try:
            barrier.wait()
            services.batch_build(batch_id=batch_id)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(pk,)) for pk in (a.pk, b.pk)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == b.status == "draft"
    assert a.recipient_count + b.recipient_count == 24
    assert Payment.objects.filter(scheme=sch).values("person").distinct().count() == 24
    assert Payment.objects.filter(scheme=sch).count() == 24
