"""Progress of long background jobs, written from tasks and read by pages and the API."""

from django.db.models import F
from django.utils import timezone

from .models import Job


def job_create(*, kind: str, params: dict | None = None, actor=None, total: int = 0) -> Job:
    return Job.objects.create(kind=kind, params=params or {}, created_by=actor if getattr(actor, "pk", None) else None, total=total)


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
