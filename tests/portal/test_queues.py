"""Queues by workload: every task goes to the queue of its kind of worker node (CELERY_TASK_ROUTES)."""

import pytest
from django.conf import settings
from django.utils.module_loading import autodiscover_modules

from portal.celery import app
from portal.queue import task_named
from tests.worker import broker_mode

EXPECTED = {
    "assistance.pay_batch": "payout",
    "assistance.fetch_bank_results": "payout",
    "assistance.query_bank": "payout",
    "assistance.reconcile_batches": "payout",
    "medical_pooling.run_settlement": "clearing",
    "medical_pooling.run_monthly_settlement": "clearing",
    "assistance.build_batch": "imports",
    "assistance.monthly_payroll": "imports",
    "assistance.heating_topup": "imports",
    "casework.discovery_scan": "discovery",
    "casework.disaster_review_open": "discovery",
    "medical_pooling.scan_fraud_nightly": "discovery",
    "casework.send_notice": "default",
    "medical_pooling.check_spend_fraud": "default",
    "medical_pooling.check_spends_fraud": "default",
    "portal.drain_batched": "default",
    "assistance.resume_stalled_batches": "default",
    "portal.resume_stalled_jobs": "default",
    "portal.anchor_audit_chain": "default",
    "portal.heartbeat": "default",
    "skills_training.issue_due_certificates": "default",
    "relief_inkind.expire_vouchers": "default",
}


def _portal_tasks():
    autodiscover_modules("tasks")
    return sorted(n for n in app.tasks if not n.startswith(("celery.", "portal.test_")))


def _queue_of(name: str) -> str:
    route = app.amqp.router.route({}, name, args=(), kwargs={})
    return route["queue"].name


@pytest.mark.parametrize("name,queue", sorted(EXPECTED.items()))
def test_each_task_is_routed_to_its_queue(name, queue):
    assert name in _portal_tasks(), f"{name} is not a registered task"
    assert _queue_of(name) == queue


def test_every_registered_task_has_an_expected_queue():
    """A new task must be placed on purpose (added here), and every route names a real task."""
    assert set(_portal_tasks()) == set(EXPECTED)
    assert set(settings.CELERY_TASK_ROUTES) <= set(EXPECTED)


def test_the_five_queues_are_declared_and_a_plain_worker_consumes_them_all():
    declared = {q.name for q in app.amqp.queues.values()}
    assert declared == {"payout", "clearing", "imports", "discovery", "default"}
    assert app.conf.task_default_queue == "default"


def test_a_message_carries_its_queue_routing_key():
    """What is published for a payout names the payout queue (the key a `-Q payout` worker binds)."""
    sent = []
    from celery import signals

    def capture(sender=None, routing_key=None, exchange=None, **kwargs):
        sent.append((sender, routing_key))

    signals.before_task_publish.connect(capture, weak=False)
    try:
        with broker_mode(), app.connection_for_write("memory://") as conn:
            task_named("assistance.pay_batch").apply_async(args=(1,), connection=conn)
            task_named("casework.discovery_scan").apply_async(connection=conn)
    finally:
        signals.before_task_publish.disconnect(capture)
    assert ("assistance.pay_batch", "payout") in sent
    assert ("casework.discovery_scan", "discovery") in sent
