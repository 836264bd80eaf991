"""Enqueueing background work so that a broker outage never loses it nor breaks the request.

`enqueue(task, *args)` publishes after the surrounding transaction commits (a worker never sees
uncommitted rows). If the broker is down, publishing fails after a short retry: the request has
already committed its durable state (a batch in `building`, a job in `queued`), so the failure is
logged and the periodic resume job (`portal.resume_stalled`) publishes the work again once the broker
is back. Nothing is lost and nothing half-made is left behind: the database row is the queue of
record, the broker only a wake-up call.
"""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


def publish(task, *args, **kwargs) -> bool:
    """Publish now; False (and a log line) when the broker cannot be reached."""
    try:
        task.apply_async(args=args, kwargs=kwargs)
        return True
    except (OperationalError, ConnectionError, OSError) as exc:
        log.warning("broker unavailable, %s(%s) left for the resume job: %s", task.name, args, exc)
        return False


def enqueue(task, *args, **kwargs) -> None:
    transaction.on_commit(lambda: publish(task, *args, **kwargs))
