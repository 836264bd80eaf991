"""Celery tasks: take plain arguments, call one service."""

import datetime as dt

from celery import shared_task

from . import services


@shared_task(name="relief_inkind.expire_vouchers", acks_late=True)
def expire_vouchers_task(today: str | None = None) -> int:
    """Daily: unredeemed value of expired vouchers returns to the budget (schedule: migration 0002)."""
    sweeps = services.vouchers_expire(today=dt.date.fromisoformat(today) if today else None)
    return sum(s.amount for s in sweeps)
