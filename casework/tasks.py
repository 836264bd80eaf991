"""Celery tasks: take plain arguments, call one service."""

import datetime as dt

from celery import shared_task

from . import services


@shared_task(name="casework.discovery_scan", acks_late=True)
def discovery_scan_task(today: str | None = None) -> dict:
    """Nightly 主动发现 scan (beat schedule added by migration 0002)."""
    return services.discovery_scan(today=dt.date.fromisoformat(today) if today else None)


@shared_task(name="casework.disaster_review_open", acks_late=True)
def disaster_review_open_task(today: str | None = None) -> int:
    """Daily: review tasks for affected households whose transition period has ended (migration 0006)."""
    return services.disaster_review_open(today=dt.date.fromisoformat(today) if today else None)


@shared_task(name="casework.send_notice", acks_late=True, autoretry_for=(ConnectionError, TimeoutError),
             retry_backoff=True, max_retries=5)
def send_notice_task(notice_id: int) -> str:
    """Send one queued SMS notice through CASEWORK_SMS_SENDER."""
    return services.notice_send(notice_id=notice_id).status
