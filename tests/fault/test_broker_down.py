"""The broker is unreachable when a caseworker creates a batch: the request still answers at once with
the batch in `building` (the database row is the durable queue), nothing else is half-made, and the resume
job builds it once the broker is back."""

import datetime as dt
import time
from contextlib import contextmanager

import pytest

from assistance.models import Batch, Payment
from assistance.services import batch_resume_stalled, enrolment_create, household_create, scheme_create
from portal.celery import app as celery_app
from portal.models import Role
from tests.factories import UserFactory, id_number_for


@contextmanager
def dead_broker():
    """Publish to a port where nothing listens, as when Redis is stopped."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    conf.broker_url, conf.task_always_eager = "redis://127.0.0.1:9/0", False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_batch_created_while_the_broker_is_down_is_built_later(api, caplog):
    maker = UserFactory(username="nb_cw", role=Role.CASEWORKER, region_id="610100")
    for i in range(3):
        number = id_number_for("610112", seq=900 + i)
        household_create(region="610112", area="urban", address=f"未央路{i}号", actor=maker,
                         members=[{"name": f"测试{i}", "id_number": number, "relation": "head"}])
        enrolment_create(id_number=number, category="dibao", monthly_amount=80000, start=dt.date(2025, 1, 1),
                         actor=maker)
    scheme = scheme_create(name="取暖救助（断网演练）", kind="heating", region="610100", unit="household",
                           categories=["dibao"], urban_amount=120000, rural_amount=50000, budget=10_000_000,
                           deadline=dt.date(2026, 2, 10), actor=maker)
    client = api(maker)
    with dead_broker():
        t0 = time.monotonic()
        resp = client.post("/api/v1/assistance/batches/", {"scheme": scheme.pk, "region": "610112"}, format="json")
        elapsed = time.monotonic() - t0
    assert resp.status_code == 201, resp.content
    assert resp.json()["status"] == "building"
    assert elapsed < 10, f"the request waited {elapsed:.1f}s on the dead broker"
    assert "broker unavailable" in caplog.text
    batch = Batch.objects.get(pk=resp.json()["id"])
    assert batch.status == Batch.Status.BUILDING and Payment.objects.filter(batch=batch).count() == 0

    # the broker is back (tasks in-process here); the periodic resume job finds the batch and builds it
    assert batch_resume_stalled(stale_after=dt.timedelta(0)) == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DRAFT and batch.recipient_count == 3
    assert batch.total_amount == 3 * 120000
