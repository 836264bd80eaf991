"""Celery tasks: take ids, call a service, carry the retry policy; no business rules.

Names follow `<app label>.<verb>_<noun>`; services enqueue them by name (`portal.queue`) and never
import this module.
"""

import logging
import socket

from celery import shared_task

from portal.jobs import job_failed, job_finished, job_started
from portal.models import Job

from . import fraud, services

log = logging.getLogger(__name__)


@shared_task(name="medical_pooling.run_settlement", acks_late=True, bind=True, max_retries=3)
def run_settlement(self, job_id: int) -> None:
    """Clear one month (the job's `month` param). Safe to retry: the clearing replaces the month."""
    job = Job.objects.get(pk=job_id)
    job_started(job_id, total=1, worker=socket.gethostname())
    try:
        run = services.settlement_run(month=job.params["month"], actor=job.created_by)
    except Exception as exc:
        job_failed(job_id, error=str(exc))
        raise
    job_finished(job_id, result={"month": run.month, "status": run.status, "lines_amount": run.line_amount,
                                 "lines_count": run.line_count})


@shared_task(name="medical_pooling.run_monthly_settlement", acks_late=True)
def run_monthly_settlement() -> str:
    """Beat entry (1st of each month, 02:00 Beijing): clear the previous month."""
    month = services.previous_month()
    services.settlement_run(month=month, actor=None)
    return month


@shared_task(name="medical_pooling.check_spend_fraud", acks_late=True)
def check_spend_fraud(spend_id: int) -> int:
    """The fraud rules around one spend. Re-running raises no duplicate alert. (Spends now queue
    `check_spends_fraud`; this name stays for messages published before.)"""
    return len(fraud.fraud_check_spend(spend_id=spend_id))


@shared_task(name="medical_pooling.check_spends_fraud", acks_late=True)
def check_spends_fraud(spend_ids: list[int]) -> int:
    """After spends, in a batch (portal.queue.enqueue_batched): the fraud rules around each, in a few
    statements for the whole batch. Re-running raises no duplicate alert. If the batch fails, each spend is
    checked on its own, and a spend whose check fails is logged and left to the nightly scan, so one bad
    spend does not hold back the others."""
    try:
        raised, missing = fraud.fraud_check_spends(spend_ids)
    except Exception:
        log.exception("fraud check of a batch of %d spends failed; checking them one by one", len(spend_ids))
    else:
        if missing:
            log.warning("fraud check: spends %s not found", missing)
        return len(raised)
    count = 0
    for spend_id in spend_ids:
        try:
            count += len(fraud.fraud_check_spend(spend_id=spend_id))
        except Exception:
            log.exception("fraud check of spend %s failed; the nightly scan covers it", spend_id)
    return count


@shared_task(name="medical_pooling.scan_fraud_nightly", acks_late=True)
def scan_fraud_nightly() -> int:
    """Beat entry (03:00 Beijing): every rule over the last day's spends."""
    return len(fraud.fraud_scan())
