"""Progress of long background jobs, written from tasks and read by pages and the API."""

import datetime as dt

from django.db import models
from django.db.models import F
from django.utils import timezone

from .models import Job
from .queue import enqueue, publish


def job_create(*, kind: str, params: dict | None = None, actor=None, total: int = 0, task: str = "") -> Job:
    """A job row; with `task` (a registered task name), it is sent `(job.id,)` after the transaction
    commits and its name is kept so that the resume job can send it again."""
    job = Job.objects.create(kind=kind, params=params or {}, created_by=actor if getattr(actor, "pk", None) else None,
                             total=total, task=task)
    if task:
        enqueue(task, job.pk)
    return job


def jobs_resume_stalled(*, stale_after: dt.timedelta) -> list[int]:
    """Send again the task of every queued or running job older than `stale_after` (its worker was lost,
    or the broker was down when it was queued). Job tasks are idempotent by contract."""
    cutoff = timezone.now() - stale_after
    stalled = Job.objects.exclude(task="").filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).filter(
        models.Q(started_at__lt=cutoff) | models.Q(started_at__isnull=True, created_at__lt=cutoff))
    resumed = []
    for job_id, task in stalled.values_list("id", "task"):
        Job.objects.filter(pk=job_id).update(started_at=timezone.now())
        if publish(task, job_id):
            resumed.append(job_id)
    return resumed


def job_started(job_id: int, *, total: int | None = None, worker: str = "") -> None:
    updates = {"status": Job.Status.RUNNING, "started_at": timezone.now(), "worker": worker[:128]}
    if total is not None:
        updates["total"] = total
    Job.objects.filter(pk=job_id).update(**updates)


def job_advance(job_id: int, by: int) -> None:
    Job.objects.filter(pk=job_id).update(done=F("done") + by)


def job_finished(job_id: int, *, result: dict | None = None) -> None:
    Job.objects.filter(pk=job_id).update(status=Job.Status.DONE, finished_at=timezone.now(), result=result)


def job_failed(job_id: int, *, error: str) -> None:
    Job.objects.filter(pk=job_id).update(status=Job.Status.FAILED, finished_at=timezone.now(), error=error[:4000])
