"""`enqueue_batched`: a hot path's per-row task waits in a Redis list and one message at a time wakes a drain
that hands the task its items in batches; nothing is lost when a drain dies, and a real worker drains the
fraud checks of real spends."""

import pytest
from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from medical_pooling.models import FraudAlert
from portal import queue
from tests.medical_pooling.factories import institution_user, insured, relation, spend
from tests.worker import broker_mode, start_worker, stop_worker, wait_for

needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real Redis)")

NAME = "portal.test_collect_batch"
received: list[list[int]] = []
fail_next = [False]


@shared_task(name=NAME)
def collect(items):
    if fail_next[0]:
        fail_next[0] = False
        raise RuntimeError("the worker died in the middle of a batch")
    received.append(list(items))


@pytest.fixture
def published(monkeypatch):
    items, wake = queue.batched_keys(NAME)
    queue.redis_client().delete(items, wake)
    received.clear()
    calls = []
    monkeypatch.setattr(queue, "publish", lambda name, *args, **kw: calls.append((name, args)) or True)
    with broker_mode():
        yield calls
    queue.redis_client().delete(items, wake)


def _push(ids):
    for i in ids:
        queue._push(NAME, i)


@needs_redis
def test_one_wake_up_for_many_items_and_the_drain_hands_them_over_in_batches(published):
    _push(range(1, 451))
    assert [p[0] for p in published] == ["portal.drain_batched"]  # one message, not 450
    assert queue.drain_batched(*published[0][1], linger=0) == 450
    assert [len(b) for b in received] == [200, 200, 50]
    assert sum(received, []) == list(range(1, 451))
    items, wake = queue.batched_keys(NAME)
    assert queue.redis_client().llen(items) == 0 and not queue.redis_client().exists(wake)
    _push([451])  # the list is idle again: the next item wakes a new drain
    assert len(published) == 2 and published[1][1][0] == NAME and published[1][1][1] != published[0][1][1]


@needs_redis
def test_a_drain_that_dies_loses_nothing(published):
    _push(range(1, 11))
    fail_next[0] = True
    with pytest.raises(RuntimeError):
        queue.drain_batched(*published[0][1], linger=0)
    items, wake = queue.batched_keys(NAME)
    assert queue.redis_client().llen(items) == 10  # the batch stays until it has run
    _push([11])
    assert len(published) == 1  # the dead drain's wake key still stands: nobody is woken yet
    queue.redis_client().delete(wake)  # ... until it expires (WAKE_SECONDS)
    _push([12])
    assert len(published) == 2
    assert queue.drain_batched(*published[0][1], linger=0) == 0  # the dead drain's message delivered again: not the owner
    assert queue.drain_batched(*published[1][1], linger=0) == 12
    assert sum(received, []) == list(range(1, 13))


@needs_redis
def test_a_drain_whose_key_expired_mid_batch_trims_nothing(published, monkeypatch):
    """Its batch may run twice (the task bears that); no item is taken off the list unrun."""
    _push(range(1, 6))
    first = published[0][1]
    items, wake = queue.batched_keys(NAME)

    def slow(batch):  # while the batch runs the key expires and a new item wakes a second drain
        received.append(list(batch))
        queue.redis_client().delete(wake)
        _push([6])

    monkeypatch.setattr(queue, "task_named", lambda name: slow)
    assert queue.drain_batched(*first, linger=0) == 0
    assert queue.redis_client().llen(items) == 6
    monkeypatch.setattr(queue, "task_named", lambda name: collect)
    assert queue.drain_batched(*published[1][1], linger=0) == 6
    assert received[-1] == [1, 2, 3, 4, 5, 6]


@needs_redis
def test_items_that_come_while_a_drain_lingers_need_no_message(published, monkeypatch):
    _push([1])

    def task(batch):  # the next spend commits while the first batch runs
        received.append(list(batch))
        if len(received) == 1:
            _push([2])

    monkeypatch.setattr(queue, "task_named", lambda name: task)
    assert queue.drain_batched(*published[0][1], linger=0.3) == 2
    assert received == [[1], [2]] and len(published) == 1


@needs_redis
def test_a_drain_hands_over_to_a_new_message_when_its_time_is_up(published):
    _push([1, 2, 3])
    assert queue.drain_batched(*published[0][1], lifetime=0) == 0
    assert len(published) == 2 and published[1][1][1] != published[0][1][1]  # a fresh owner for what is left
    assert queue.drain_batched(*published[1][1], linger=0) == 3


def test_without_a_broker_the_task_runs_at_once(settings):
    """The embedded default (no REDIS_URL, tasks in-process): no Redis is touched."""
    received.clear()
    settings.REDIS_URL = ""
    queue._push(NAME, 7)
    assert received == [[7]]


@needs_redis
def test_a_refused_wake_up_message_lets_the_key_go_and_the_resume_job_wakes_a_drain(published, monkeypatch):
    monkeypatch.setattr(queue, "publish", lambda name, *args, **kw: False)  # the broker refuses the message
    _push([1, 2])
    items, wake = queue.batched_keys(NAME)
    assert queue.redis_client().llen(items) == 2 and not queue.redis_client().exists(wake)
    calls = []
    monkeypatch.setattr(queue, "publish", lambda name, *args, **kw: calls.append(args) or True)
    assert NAME in queue.resume_batched()
    assert queue.drain_batched(*calls[0], linger=0) == 2
    assert queue.resume_batched() == []  # nothing waiting: nobody woken


@needs_redis
def test_a_drain_whose_message_waited_owns_its_key_afresh(published, monkeypatch):
    _push([1])
    items, wake = queue.batched_keys(NAME)
    queue.redis_client().expire(wake, 2)  # the message waited in the queue almost as long as the key lives
    ttl = []
    monkeypatch.setattr(queue, "task_named", lambda name: lambda batch: ttl.append(queue.redis_client().ttl(wake)))
    assert queue.drain_batched(*published[0][1], linger=0) == 1
    assert ttl[0] > 2  # refreshed when the drain began, not left to expire under its first batch


@needs_redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_checks_the_spends_for_fraud(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database only on PostgreSQL")
    items, wake = queue.batched_keys("medical_pooling.check_spends_fraud")
    queue.redis_client().delete(items, wake)
    pooler = insured(balance=100000)
    rel = relation(pooler, insured(scheme="resident", region="610100"), 10000)
    inst = institution_user("H61011200001")
    proc = start_worker(log_path=tmp_path / "worker.log")
    try:
        with broker_mode():
            for _ in range(3):
                with transaction.atomic():
                    spend(inst, rel, 3000, timezone.now())
        wait_for(lambda: FraudAlert.objects.count() == 2, timeout=90, message="the fraud alerts")
        wait_for(lambda: not queue.redis_client().exists(items, wake), timeout=30, message="the drain to end")
    finally:
        stop_worker(proc)
    assert set(FraudAlert.objects.values_list("rule__kind", flat=True)) == {"burst", "repeated_amount"}


def test_the_resume_job_goes_on_when_redis_does_not_answer(monkeypatch, settings):
    import redis

    settings.REDIS_URL = settings.REDIS_URL or "redis://127.0.0.1:1/0"
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)  # nothing listens on port 1
    monkeypatch.setattr(queue, "redis_client", lambda: dead)
    with broker_mode():
        assert queue.resume_batched() == []


@needs_redis
def test_under_a_steady_stream_a_drain_lets_batches_fill(published, monkeypatch):
    """Items arriving one every 10 ms: a drain that waits `gather` (0.2 s) after a batch that was not full runs
    the task about once per 0.2 s of the stream, not once every few items (with no gather it reads every
    50 ms or sooner); nothing is left behind. The bound follows the stream's own duration, so a slow machine
    does not fail it."""
    import threading
    import time

    fed = {}

    def stream():
        t0 = time.monotonic()
        for i in range(2, 62):
            queue._push(NAME, i)
            time.sleep(0.01)
        fed["seconds"] = time.monotonic() - t0

    _push([1])
    feeder = threading.Thread(target=stream)
    feeder.start()
    assert queue.drain_batched(*published[0][1], linger=1.0, gather=0.2) == 61
    feeder.join(10)
    assert sum(received, []) == list(range(1, 62))
    assert len(received) <= fed["seconds"] / 0.2 + 2, ([len(b) for b in received], fed)
