"""Celery tasks of the follow-up: thin wrappers over followup services."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from followup.reminders import reminders_send


@shared_task(acks_late=True)
def send_reminders_task(today: str | None = None) -> int:
    """Periodic (beat): email each technologist what is due; sends nothing twice."""
    return reminders_send(today=date.fromisoformat(today) if today else None)
