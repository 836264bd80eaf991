"""Portal-level tasks: a heartbeat that proves a worker runs and writes to the database."""

import datetime as dt
import logging
import socket

from celery import shared_task

from .jobs import job_finished, job_started, jobs_resume_stalled

log = logging.getLogger(__name__)


@shared_task(name="portal.heartbeat")
def heartbeat(job_id: int) -> None:
    job_started(job_id, total=1, worker=socket.gethostname())
    job_finished(job_id, result={"worker": socket.gethostname(), "ok": True})
    log.info("heartbeat job %s done", job_id)


@shared_task(name="portal.resume_stalled_jobs", acks_late=True)
def resume_stalled_jobs(stale_after_seconds: int = 600) -> list[int]:
    """Every 2 minutes: jobs whose worker was lost, and batched lists left without a drain (portal.queue)."""
    from .queue import resume_batched

    resume_batched()
    return jobs_resume_stalled(stale_after=dt.timedelta(seconds=stale_after_seconds))


@shared_task(name="portal.drain_batched", acks_late=True)
def drain_batched(name: str, token: str) -> int:
    """Hand the items waiting for task `name` to it in batches (portal.queue.enqueue_batched)."""
    from .queue import drain_batched as drain

    return drain(name, token)


@shared_task(name="portal.anchor_audit_chain")
def anchor_audit_chain() -> int | None:
    """Every 10 minutes: every audit chain's head, signed, appended outside the database (portal.audit_chain)."""
    from .audit_chain import write_anchor

    anchored = write_anchor()
    return anchored["id"] if anchored else None
