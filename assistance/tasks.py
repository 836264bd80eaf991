"""Celery tasks: take ids, call a service, carry the retry policy; no business rules here. All are safe to
run again: a build resumes from its cursor, a payout only touches still-pending payments. The names are
what services and beat schedules enqueue (`portal.queue`), so they never change."""

import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": 5, "retry_backoff_max": 300,
         "max_retries": 8, "acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="assistance.build_batch", **RETRY)
def build_batch(batch_id: int) -> None:
    try:
        services.batch_build(batch_id=batch_id)
    except Exception as exc:
        services.batch_note_error(batch_id=batch_id, error=exc)
        raise


@shared_task(name="assistance.pay_batch", **RETRY)
def pay_batch(batch_id: int) -> None:
    try:
        services.batch_pay(batch_id=batch_id)
    except Exception as exc:
        services.batch_note_error(batch_id=batch_id, error=exc)
        raise


@shared_task(name="assistance.heating_topup", **RETRY)
def heating_topup(month: str | None = None) -> list[int]:
    return services.heating_topup(month=month)


@shared_task(name="assistance.resume_stalled_batches", acks_late=True)
def resume_stalled_batches(stale_after_seconds: int = 300) -> list[int]:
    return services.batch_resume_stalled(stale_after=dt.timedelta(seconds=stale_after_seconds))


@shared_task(name="assistance.fetch_bank_results", acks_late=True)
def fetch_bank_results() -> list[str]:
    """Every minute: apply the result files the bank has written to the inbox."""
    return [f"{f.name}:{f.status}" for f in services.bank_results_fetch()]


@shared_task(name="assistance.query_bank", acks_late=True)
def query_bank() -> dict:
    """Every 10 minutes: ask the bank about payments it has not answered for a while."""
    return services.bank_query_unanswered()


@shared_task(name="assistance.reconcile_batches", acks_late=True)
def reconcile_batches() -> list[int]:
    """Nightly: every recent bank batch against the bank's figures; the ids that do not balance."""
    return services.batches_reconcile()


@shared_task(name="assistance.monthly_payroll", **RETRY)
def monthly_payroll() -> list[int]:
    """Daily: each region whose pay day is today gets this month's payroll batch (made and built)."""
    return services.monthly_payroll()
