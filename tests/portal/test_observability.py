"""Health, metrics and the request id: the endpoints answer operators and nobody else; /metrics carries
requests, queries, task counts, batch progress and queue depth; a request's id reaches the tasks it enqueues."""

import json
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import transaction
from django.test import override_settings

from portal import queue, requestid
from portal.metrics import TASKS, render_metrics

OUTSIDE = "203.0.113.9"


@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/metrics"])
@pytest.mark.django_db
def test_not_public_outside_the_allowed_networks(client, path):
    assert client.get(path, REMOTE_ADDR=OUTSIDE).status_code == 404


@pytest.mark.parametrize("path", ["/health/live", "/metrics"])
@pytest.mark.django_db
def test_a_bearer_token_opens_them_from_anywhere(client, path):
    with override_settings(PORTAL_OPS_TOKEN="s3cret-ops-token", PORTAL_OPS_ALLOWED_NETWORKS=[]):
        assert client.get(path, REMOTE_ADDR=OUTSIDE).status_code == 404
        assert client.get(path, REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
        assert client.get(path, REMOTE_ADDR=OUTSIDE,
                          HTTP_AUTHORIZATION="Bearer s3cret-ops-token").status_code == 200


@pytest.mark.django_db
def test_an_allowed_network_opens_them_and_proxies_are_counted(client):
    with override_settings(PORTAL_OPS_ALLOWED_NETWORKS=["10.20.0.0/16"], PORTAL_TRUSTED_PROXIES=1):
        assert client.get("/health/live", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.20.3.4").status_code == 200
        # a forged header from outside does not help: the proxy appends the real address
        assert client.get("/health/live", REMOTE_ADDR="127.0.0.1",
                          HTTP_X_FORWARDED_FOR="10.20.3.4, 198.51.100.7").status_code == 404


def _ready(client):
    """GET the readiness page from a thread of its own. Its view is async (django-health-check) and the
    test client runs it through async_to_sync, which refuses a thread where an event loop runs: the browser
    tests' Playwright keeps one in the main thread. A gunicorn worker thread has none."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(client.get, "/health/ready?format=json").result()


@pytest.mark.django_db(transaction=True)
def test_readiness_names_each_check_and_fails_when_one_fails(client, monkeypatch):
    with override_settings(PORTAL_HEALTH_WORKERS=False):
        ok = _ready(client)
        assert ok.status_code == 200, ok.content
        body = ok.json()
        assert any(k.startswith("Database") for k in body) and all(v == "OK" for v in body.values())
        assert {"Broker()", "Disk()", "Workers()"} <= set(body) and any(k.startswith("ReplicaLag") for k in body)
        with override_settings(PORTAL_HEALTH_MIN_FREE_DISK_PERCENT=100.1):
            bad = _ready(client)
        assert bad.status_code == 500 and "disk free" in bad.json()["Disk()"]


@pytest.mark.django_db(transaction=True)
def test_readiness_fails_when_no_worker_answers(client, settings):
    """With a broker and no worker for the queues, the node is not ready (the workers check pings them)."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (a real broker)")
    from tests.worker import broker_mode

    with broker_mode(), override_settings(PORTAL_HEALTH_WORKERS=True):
        body = _ready(client)
    assert body.status_code == 500
    assert "no worker" in body.json()["Workers()"]


@pytest.mark.django_db
def test_metrics_count_requests_queries_tasks_and_batches(client):
    client.get("/healthz")
    queue.task_named("portal.anchor_audit_chain").apply()
    text = client.get("/metrics").content.decode()
    assert "django_http_requests_total_by_method_total" in text
    assert "django_http_requests_latency_seconds_by_view_method" in text
    assert 'django_db_execute_total{alias="default",vendor="postgresql"}' in text or "sqlite" in text
    assert 'portal_celery_tasks_total{outcome="succeeded",task="portal.anchor_audit_chain"}' in text
    assert 'portal_celery_task_seconds_count{task="portal.anchor_audit_chain"}' in text
    assert "# TYPE portal_batches gauge" in text and "# TYPE portal_jobs gauge" in text


@pytest.mark.django_db
def test_a_failing_task_is_counted():
    from celery import shared_task

    @shared_task(name="portal.test_always_fails")
    def always_fails():
        raise RuntimeError("boom")

    before = TASKS.labels("portal.test_always_fails", "failed")._value.get()
    assert always_fails.apply(throw=False).failed()
    assert TASKS.labels("portal.test_always_fails", "failed")._value.get() == before + 1


def test_queue_depth_counts_waiting_messages(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (a real broker)")
    import redis

    from portal.metrics import queue_depths
    from tests.worker import broker_mode

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("discovery")
    with broker_mode():
        queue.task_named("casework.discovery_scan").apply_async()
        queue.task_named("casework.discovery_scan").apply_async()
    try:
        assert queue_depths()["discovery"] == 2
        assert 'portal_queue_depth{queue="discovery"} 2.0' in render_metrics().decode()
    finally:
        client.delete("discovery")


@pytest.mark.django_db
def test_the_request_id_is_answered_and_kept_from_the_balancer(client):
    r = client.get("/healthz", HTTP_X_REQUEST_ID="lb-0123456789abcdef")
    assert r["X-Request-ID"] == "lb-0123456789abcdef"
    r2 = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")
    assert r2["X-Request-ID"] != "bad id with spaces" and len(r2["X-Request-ID"]) == 32


def test_json_log_lines_carry_the_request_id():
    from django.conf import settings as dj
    from pythonjsonlogger.json import JsonFormatter

    fmt = dj.LOGGING["formatters"]["json"]
    formatter = JsonFormatter(fmt["fmt"], rename_fields=fmt["rename_fields"])
    record = logging.LogRecord("portal.test", logging.INFO, __file__, 1, "批次 %s 已审批", (7,), None)
    token = requestid.set_current("req-abcdef12")
    try:
        requestid.RequestIdFilter().filter(record)
    finally:
        requestid.reset(token)
    line = json.loads(formatter.format(record))
    assert line["request_id"] == "req-abcdef12" and line["message"] == "批次 7 已审批"
    assert line["level"] == "INFO" and line["logger"] == "portal.test"


@pytest.mark.django_db(transaction=True)
def test_the_request_id_travels_with_the_task_it_enqueues(monkeypatch):
    """enqueue puts the id into the message headers; in the worker the prerun signal restores it."""
    published = []
    real = queue.task_named("portal.heartbeat")
    monkeypatch.setattr(real, "apply_async", lambda args=(), kwargs=None, headers=None, **kw: published.append(headers))
    token = requestid.set_current("req-0000feed")
    try:
        with transaction.atomic():
            queue.enqueue("portal.heartbeat", 1)
    finally:
        requestid.reset(token)
    assert published == [{"request_id": "req-0000feed"}]

    seen = []
    from celery import shared_task

    @shared_task(name="portal.test_sees_request_id")
    def sees():
        seen.append(requestid.current())

    assert requestid.current() == ""
    sees.apply(headers={"request_id": "req-0000feed"})
    assert seen == ["req-0000feed"]
    assert requestid.current() == "", "the id does not leak into the next task"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_logs_with_the_request_id_of_the_request(tmp_path, settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (a real broker)")
    from portal.jobs import job_create
    from portal.models import Job
    from tests.worker import broker_mode, start_worker, stop_worker, wait_for

    log = tmp_path / "worker.log"
    import os
    os.environ["PORTAL_LOG_JSON"] = "1"
    try:
        worker = start_worker(log_path=log)
    finally:
        del os.environ["PORTAL_LOG_JSON"]
    try:
        token = requestid.set_current("req-fromtheweb01")
        try:
            with broker_mode():
                job = job_create(kind="heartbeat", task="portal.heartbeat")
        finally:
            requestid.reset(token)
        wait_for(lambda: Job.objects.get(pk=job.pk).status == Job.Status.DONE, timeout=60, message="the heartbeat")
    finally:
        stop_worker(worker)
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    assert any(x.get("request_id") == "req-fromtheweb01" for x in lines), log.read_text()[-2000:]
