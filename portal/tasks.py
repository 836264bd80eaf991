"""Portal-level tasks: a heartbeat that proves a worker runs and writes to the database."""

import socket

from celery import shared_task

from .jobs import job_finished, job_started


@shared_task(name="portal.heartbeat")
def heartbeat(job_id: int) -> None:
    job_started(job_id, total=1, worker=socket.gethostname())
    job_finished(job_id, result={"worker": socket.gethostname(), "ok": True})
