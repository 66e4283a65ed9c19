"""Celery tasks: thin wrappers that call matching.services (retries live here)."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from matching.services import runs, staleness

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=3,
    # Around the solver's budget (loading and storing included); the run's lease is
    # longer than the hard limit, so a killed attempt is always taken over.
    soft_time_limit=settings.CQR_RUN_SOFT_TIME_LIMIT,
    time_limit=settings.CQR_RUN_TIME_LIMIT,
)
def compute_bundles(self: Task, run_id: int) -> None:
    """Compute one MatchingRun. The claim records this task's id: a redelivered copy (the
    worker's child died) takes over at once; another task's copy does nothing."""
    try:
        runs.run_execute(run_id=run_id, task_id=self.request.id or "")
    except (OperationalError, InterfaceError) as exc:
        if self.request.retries >= (self.max_retries or 0):
            # Out of retries: end the run failed rather than leave it queued forever.
            try:
                runs.run_fail(run_id=run_id, error=f"Database error: {exc}")
            except (OperationalError, InterfaceError):
                logger.exception("run %s: could not record the failure", run_id)
        raise


@shared_task(acks_late=True)
def replan_stale_task(batch_size: int = 50) -> int:
    """Periodic (beat): recompute runs made stale by catalog changes, once the catalog has
    been quiet for a while (repeated imports are planned once, see staleness)."""
    return staleness.replan_stale(batch_size=batch_size, coalesce=True)


@shared_task(acks_late=True, ignore_result=True)
def resend_lost_runs_task() -> int:
    """Periodic (beat): re-send runs whose publish failed or whose worker was lost."""
    return runs.runs_resend_lost()
