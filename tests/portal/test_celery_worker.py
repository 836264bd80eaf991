"""A real worker process takes a task from Redis and writes its result into Postgres."""

import pytest
from django.conf import settings
from django.db import connection

from portal.jobs import job_create
from portal.models import Job
from portal.tasks import heartbeat
from tests.worker import broker_mode, start_worker, stop_worker, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real broker)"),
]


@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_a_task_and_stores_its_result(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database only on PostgreSQL")
    job = job_create(kind="heartbeat")
    proc = start_worker(log_path=tmp_path / "worker.log")
    try:
        with broker_mode():
            heartbeat.delay(job.pk)

        def done():
            job.refresh_from_db()
            return job.status == Job.Status.DONE

        wait_for(done, timeout=90, message="the heartbeat job to finish")
    finally:
        stop_worker(proc)
    assert job.result["ok"] is True
    assert job.worker  # written by the worker process, not by this one
    assert job.progress == 100
