"""Prometheus metrics: what django-prometheus measures (requests, latency, queries, connections) plus the
portal's own: Celery tasks (counts by outcome, durations) and, read at scrape time, batch progress, job
states, queue depth and replica lag.

Web nodes expose `/metrics` (guarded like the health endpoints: portal.health.ops_only). With several
gunicorn workers set PROMETHEUS_MULTIPROC_DIR to an empty folder per node so the page adds up every
worker process. A worker node exposes its task metrics on PORTAL_WORKER_METRICS_PORT (its prefork children
write to PROMETHEUS_MULTIPROC_DIR, the main process serves them).
"""

import logging
import os
import time

from celery import signals
from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from prometheus_client.core import GaugeMetricFamily

from .health import ops_only

log = logging.getLogger(__name__)

TASKS = Counter("portal_celery_tasks_total", "Celery tasks by name and outcome", ["task", "outcome"])
TASK_SECONDS = Histogram("portal_celery_task_seconds", "Celery task run time", ["task"],
                         buckets=(0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800, float("inf")))
_started: dict[str, float] = {}


@signals.task_prerun.connect(weak=False)
def _task_started(task_id=None, task=None, **kwargs):
    _started[task_id] = time.monotonic()
    TASKS.labels(task.name, "started").inc()


@signals.task_postrun.connect(weak=False)
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    began = _started.pop(task_id, None)
    if began is not None:
        TASK_SECONDS.labels(task.name).observe(time.monotonic() - began)
    if state == "SUCCESS":
        TASKS.labels(task.name, "succeeded").inc()
    elif state == "FAILURE":
        TASKS.labels(task.name, "failed").inc()


@signals.task_retry.connect(weak=False)
def _task_retried(sender=None, **kwargs):
    TASKS.labels(getattr(sender, "name", "?"), "retried").inc()


@signals.worker_ready.connect(weak=False)
def _serve_worker_metrics(**kwargs):
    port = os.environ.get("PORTAL_WORKER_METRICS_PORT")
    if port:
        from prometheus_client import start_http_server

        start_http_server(int(port), addr=os.environ.get("PORTAL_WORKER_METRICS_ADDR", "127.0.0.1"),
                          registry=_process_registry())


def queue_depths() -> dict[str, int]:
    """Messages waiting per queue (the Redis transport keeps a list per queue and priority step)."""
    from .celery import app

    if not settings.REDIS_URL:
        return {}
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
    steps = ["", *[f"\x06\x16{p}" for p in (3, 6, 9)]]
    try:
        return {q: sum(client.llen(q + s) for s in steps) for q in app.amqp.queues}
    finally:
        client.close()


class PortalCollector:
    """Read at scrape time from the database and the broker (a failure leaves its family out)."""

    def collect(self):
        from assistance.models import Batch

        from .models import Job

        try:
            fam = GaugeMetricFamily("portal_batches", "Winter-relief batches by status", labels=["status"])
            for row in Batch.objects.values("status").order_by().annotate(n=Count("id")):
                fam.add_metric([row["status"]], row["n"])
            yield fam
            active = Batch.objects.filter(status__in=["building", "approved", "paying"]).values(
                "id", "status", "recipient_count", "paid_count", "failed_count")
            total = GaugeMetricFamily("portal_batch_recipients", "Recipients of an unfinished batch",
                                      labels=["batch", "status"])
            paid = GaugeMetricFamily("portal_batch_paid", "Recipients paid so far in an unfinished batch",
                                     labels=["batch", "status"])
            for b in active:
                total.add_metric([str(b["id"]), b["status"]], b["recipient_count"])
                paid.add_metric([str(b["id"]), b["status"]], b["paid_count"])
            yield total
            yield paid
            jobs = GaugeMetricFamily("portal_jobs", "Background jobs by kind and status", labels=["kind", "status"])
            for row in Job.objects.values("kind", "status").order_by().annotate(n=Count("id")):
                jobs.add_metric([row["kind"], row["status"]], row["n"])
            yield jobs
        except Exception as exc:  # the page still answers with what it has
            log.warning("metrics: database figures unavailable: %s", exc.__class__.__name__)
        try:
            depth = GaugeMetricFamily("portal_queue_depth", "Messages waiting in a Celery queue", labels=["queue"])
            for queue, n in queue_depths().items():
                depth.add_metric([queue], n)
            yield depth
        except Exception as exc:
            log.warning("metrics: queue depth unavailable: %s", exc.__class__.__name__)
        if getattr(settings, "PORTAL_READ_REPLICA", False) and "replica" in settings.DATABASES:
            from .dbrouter import replica_lag_seconds

            lag = replica_lag_seconds(cached=False)
            g = GaugeMetricFamily("portal_replica_lag_seconds", "Read replica replay lag (-1: unreachable)")
            g.add_metric([], -1 if lag is None else lag)
            yield g


def _process_registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return DEFAULT_REGISTRY


def render_metrics() -> bytes:
    portal = CollectorRegistry()
    portal.register(PortalCollector())
    return generate_latest(_process_registry()) + generate_latest(portal)


@ops_only
def metrics_view(request):
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE_LATEST)
