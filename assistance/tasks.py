"""Celery tasks: take ids, call a service. Both are safe to run again (resume, never double)."""

from celery import shared_task

from . import services


@shared_task(name="assistance.build_batch", acks_late=True, reject_on_worker_lost=True)
def build_batch(batch_id: int) -> None:
    services.batch_build(batch_id=batch_id)


@shared_task(name="assistance.pay_batch", acks_late=True, reject_on_worker_lost=True)
def pay_batch(batch_id: int) -> None:
    services.batch_pay(batch_id=batch_id)


@shared_task(name="assistance.heating_topup", acks_late=True, reject_on_worker_lost=True)
def heating_topup(month: str | None = None) -> list[int]:
    return services.heating_topup(month=month)
