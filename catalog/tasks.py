"""Celery tasks of the catalog: thin wrappers around catalog.services."""

from __future__ import annotations

from celery import shared_task

from catalog.csv_import_jobs import csv_import_job_run, csv_import_jobs_lost
from catalog.services import outlines_refresh_current


@shared_task(acks_late=True)
def refresh_current_outlines_task() -> int:
    """Periodic (beat): when a dated outline version's first day comes, make it current;
    the catalog revision it records marks the runs of that discipline stale (re-planned by
    `replan_stale_task`). Returns how many disciplines changed."""
    return len(outlines_refresh_current())


@shared_task(acks_late=True)
def import_courses_csv_task(job_id: int) -> str | None:
    """Import a course CSV stored by the admin (a CourseImportJob), all or nothing, saving
    its progress; returns the job's status (None if it had already finished)."""
    job = csv_import_job_run(job_id=job_id)
    return None if job is None else job.status


@shared_task(acks_late=True)
def resend_lost_csv_import_jobs_task() -> int:
    """Periodic (beat): send again the course CSV jobs whose worker or message was lost;
    returns how many."""
    ids = csv_import_jobs_lost()
    for job_id in ids:
        import_courses_csv_task.delay(job_id)
    return len(ids)
