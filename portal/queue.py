"""Enqueueing background work by task name, so that a broker outage never loses it nor breaks the request.

Services never import tasks modules: they name the task (`enqueue("assistance.build_batch", batch.pk)`),
and the name is looked up in Celery's registry when the message is sent. Task names follow one scheme,
`<app label>.<verb>_<noun>` (`assistance.pay_batch`, `medical_pooling.run_settlement`).

`enqueue(name, *args)` publishes after the surrounding transaction commits (a worker never sees
uncommitted rows). If the broker is down, publishing fails after a short retry: the request has
already committed its durable state (a batch in `building`, a job in `queued`), so the failure is
logged and the periodic resume jobs publish the work again once the broker is back. Nothing is lost
and nothing half-made is left behind: the database row is the queue of record, the broker only a
wake-up call.
"""

import logging

from celery import current_app
from django.db import transaction
from django.utils.module_loading import autodiscover_modules
from kombu.exceptions import OperationalError

from . import requestid

log = logging.getLogger(__name__)


def task_named(name: str):
    """The registered task called `name` (its module is imported on first use, in any process)."""
    try:
        return current_app.tasks[name]
    except KeyError:
        # import every installed app's tasks module (Django's own discovery: Celery's would run
        # django.setup() again and reconfigure logging in a running web process)
        autodiscover_modules("tasks")
        return current_app.tasks[name]


def publish(name: str, *args, **kwargs) -> bool:
    """Publish now; False (and a log line) when the broker cannot be reached."""
    try:
        # the request id travels in the message headers (portal.requestid restores it in the worker)
        task_named(name).apply_async(args=args, kwargs=kwargs, headers=requestid.message_headers())
        return True
    except (OperationalError, ConnectionError, OSError) as exc:
        log.warning("broker unavailable, %s(%s) left for the resume job: %s", name, args, exc)
        return False


def enqueue(name: str, *args, **kwargs) -> None:
    """Publish once the surrounding transaction has committed (at once outside a transaction)."""
    transaction.on_commit(lambda: publish(name, *args, **kwargs))
