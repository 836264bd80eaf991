"""Celery tasks: take ids, call a service, carry the retry policy; no business rules."""

from celery import shared_task

from . import services


@shared_task(name="skills_training.issue_due_certificates", acks_late=True, max_retries=3)
def issue_due_certificates() -> int:
    """Daily: issue the certificates of every sitting whose results' notice period (公示期) has ended."""
    return services.sittings_issue_due()
