"""The monthly clearing's worker is SIGKILLed while the job runs; a new worker and the job-resume task
finish it, and the statements equal the month's cross-region spends exactly (not doubled, not lost)."""

import io

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Sum

from medical_pooling import population as pooling_population
from medical_pooling.models import SettlementLine, Spend
from medical_pooling.services import month_bounds, settlement_enqueue
from portal.models import Job, Role
from portal.population import generate_people
from portal.tasks import resume_stalled_jobs
from tests.factories import UserFactory
from tests.worker import broker_mode, start_worker, stop_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.worker,
              pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real broker)")]


@pytest.mark.django_db(transaction=True)
def test_clearing_survives_a_killed_worker(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database only on PostgreSQL")
    with transaction.atomic():  # as generate_population runs it
        ctx = generate_people(people=16_000, seed=11)
        pooling_population.generate(ctx, io.StringIO())
    month = pooling_population.spend_month()
    start, end = month_bounds(month)
    cross = Spend.objects.filter(occurred_at__gte=start, occurred_at__lt=end).exclude(payer_region=F("payee_region"))
    expected = cross.aggregate(n=Count("id"), s=Sum("amount"))
    assert expected["n"] > 1000
    officer = UserFactory(username="clearing_officer", role=Role.INSURANCE_OFFICER, region_id=None)

    worker = start_worker(log_path=tmp_path / "w1.log")
    try:
        with broker_mode():
            job = settlement_enqueue(month=month, actor=officer)
        wait_for(lambda: Job.objects.get(pk=job.pk).status != Job.Status.QUEUED, timeout=60, interval=0.01,
                 message="the clearing to start")
    finally:
        stop_worker(worker, kill=True)
    job.refresh_from_db()
    killed_while = job.status
    print(f"clearing job state at SIGKILL: {killed_while}")

    worker = start_worker(log_path=tmp_path / "w2.log")
    try:
        with broker_mode():
            resume_stalled_jobs.delay(0)
            if killed_while == Job.Status.DONE:  # the kill came too late; run it again: it must not double
                settlement_enqueue(month=month, actor=officer)
        wait_for(lambda: not Job.objects.filter(kind="pooling.settlement").exclude(status=Job.Status.DONE).exists(),
                 timeout=120, message="the clearing to finish")
    finally:
        stop_worker(worker)

    lines = SettlementLine.objects.filter(month=month)
    got = lines.aggregate(n=Sum("count"), s=Sum("amount"))
    assert (got["n"], got["s"]) == (expected["n"], expected["s"])
    assert not lines.filter(payer_region=F("payee_region")).exists()
    pairs = cross.values("payer_region", "payee_region").distinct().count()
    assert lines.count() == pairs
