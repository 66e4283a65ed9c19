"""Course CSV imports that run in the background (services; the admin starts them, the
Celery task `catalog.tasks.import_courses_csv_task` runs them).

A file with more than `CQR_CSV_IMPORT_BACKGROUND_ROWS` rows is not previewed in the
request: the admin stores it as a `CourseImportJob` and the task imports it with the same
resource as the preview path (catalog/resources.py: every row read into a `cqr-catalog/1`
record, then the whole file through `catalog_import`, all or nothing), saving how many
rows it has read so the job page can show progress. A file with any invalid row changes
nothing; the job lists every error by row, column and message.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone
from import_export.formats import base_formats  # type: ignore[import-untyped]
from import_export.results import Result  # type: ignore[import-untyped]

from catalog.models import CourseImportJob
from catalog.resources import CourseResource

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 200  # rows between two progress saves
ENCODING = "utf-8-sig"  # the admin's (django-import-export's default `from_encoding`)


def csv_row_count(data: bytes) -> int | None:
    """Rows after the header, or None when the file cannot be read as UTF-8 CSV or holds
    a NUL character, which the database cannot store (the preview path then reports it,
    as for any file)."""
    if b"\x00" in data:
        return None
    try:
        dataset = base_formats.CSV(encoding=ENCODING).create_dataset(data.decode(ENCODING))
    except Exception:  # tablib raises many kinds on a broken file
        return None
    return len(dataset)


def csv_import_runs_in_background(row_count: int | None) -> bool:
    return row_count is not None and row_count > settings.CQR_CSV_IMPORT_BACKGROUND_ROWS


def csv_import_job_create(
    *,
    user: AbstractBaseUser,
    provider_codes: frozenset[str] | None,
    file_name: str,
    data: bytes,
) -> CourseImportJob:
    """Store an uploaded course CSV as a queued job (the caller starts the task on
    commit). `provider_codes`: the providers its rows may name (None: any)."""
    return CourseImportJob.objects.create(
        created_by=user,  # type: ignore[misc]
        provider_codes=None if provider_codes is None else sorted(provider_codes),
        file_name=file_name[:255],
        content=data.decode(ENCODING),
        total_rows=csv_row_count(data) or 0,
    )


def csv_import_job_get_for_user(
    *, user: AbstractBaseUser | AnonymousUser, job_id: int
) -> CourseImportJob | None:
    """The job if this user may see it (its uploader, or a superuser), else None."""
    job = CourseImportJob.objects.filter(pk=job_id).first()
    if job is None or not user.is_authenticated:
        return None
    if getattr(user, "is_superuser", False) or job.created_by_id == user.pk:
        return job
    return None


def csv_import_jobs_recent(
    *, user: AbstractBaseUser | AnonymousUser, limit: int = 5
) -> list[CourseImportJob]:
    """The user's latest background imports (newest first), without their files."""
    if not user.is_authenticated:
        return []
    jobs = CourseImportJob.objects.filter(created_by_id=user.pk).defer("content")
    return list(jobs.order_by("-id")[:limit])


class _ProgressResource(CourseResource):
    """The admin's course resource, saving the rows read so far every PROGRESS_EVERY."""

    def __init__(self, *, job_id: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.rows_read = 0

    def import_row(self, row: Any, instance_loader: Any, **kwargs: Any) -> Any:
        result = super().import_row(row, instance_loader, **kwargs)
        self.rows_read += 1
        if self.rows_read % PROGRESS_EVERY == 0:
            CourseImportJob.objects.filter(pk=self.job_id).update(
                processed_rows=self.rows_read, updated_at=timezone.now()
            )
        return result

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        """Every row read: save that, then check and write the whole file."""
        CourseImportJob.objects.filter(pk=self.job_id).update(
            processed_rows=self.rows_read, updated_at=timezone.now()
        )
        super().after_import(dataset, result, **kwargs)


def csv_import_job_run(*, job_id: int) -> CourseImportJob | None:
    """Import a queued (or, after a lost worker, running) job's file; returns the job, or
    None when it has already finished (a redelivered message)."""
    claimed = CourseImportJob.objects.filter(
        pk=job_id, status__in=[CourseImportJob.Status.QUEUED, CourseImportJob.Status.RUNNING]
    ).update(status=CourseImportJob.Status.RUNNING, processed_rows=0, updated_at=timezone.now())
    if not claimed:
        return None
    job = CourseImportJob.objects.get(pk=job_id)
    codes = None if job.provider_codes is None else frozenset(job.provider_codes)
    resource = _ProgressResource(job_id=job.pk, provider_codes=codes)
    try:
        dataset = base_formats.CSV(encoding=ENCODING).create_dataset(job.content)
        result = resource.import_data(
            dataset,
            dry_run=False,
            raise_errors=False,
            use_transactions=False,  # the progress saves must be seen while it runs
            rollback_on_validation_errors=True,
            file_name=job.file_name,
            user=job.created_by,
        )
        errors = result_errors(result)
    except Exception as exc:  # a bug must still end the job, with nothing imported
        logger.exception("course CSV import job %s failed", job.pk)
        errors = [{"row": None, "field": None, "message": f"the import failed: {exc}"}]
    job.processed_rows = resource.rows_read
    job.total_rows = max(job.total_rows, resource.rows_read)
    job.errors = errors
    job.status = CourseImportJob.Status.FAILED if errors else CourseImportJob.Status.DONE
    if not errors:
        summary = resource.summary
        job.summary = summary.describe() if summary is not None else "no rows to import"
    job.content = ""
    job.finished_at = timezone.now()
    job.save()
    return job


def csv_import_job_not_started(*, job_id: int) -> None:
    """The task could not be sent (the broker is down): end the job, nothing imported."""
    CourseImportJob.objects.filter(pk=job_id, status=CourseImportJob.Status.QUEUED).update(
        status=CourseImportJob.Status.FAILED,
        errors=[
            {
                "row": None,
                "field": None,
                "message": "the background import could not be started (the task queue is "
                "unavailable); nothing was imported: upload the file again in a few minutes",
            }
        ],
        content="",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def csv_import_jobs_lost(*, limit: int = 50) -> list[int]:
    """Beat: the jobs whose message was lost (queued, or running without progress, for
    longer than CQR_CSV_IMPORT_PATIENCE_SECONDS: the worker died or the broker dropped
    it). Their clock is renewed so the next sweep waits again; the caller sends them. A
    second delivery of a job still running is harmless: imports of one provider wait for
    each other, and the second finds its rows already written."""
    since = timezone.now() - timedelta(seconds=settings.CQR_CSV_IMPORT_PATIENCE_SECONDS)
    lost = CourseImportJob.objects.filter(
        status__in=[CourseImportJob.Status.QUEUED, CourseImportJob.Status.RUNNING],
        updated_at__lt=since,
    )
    ids = list(lost.order_by("id").values_list("id", flat=True)[:limit])
    CourseImportJob.objects.filter(pk__in=ids).update(updated_at=timezone.now())
    return ids


def result_errors(result: Result) -> list[dict[str, Any]]:
    """Every error of an import result as {row, field, message} (row 1 is the first row
    after the header; row and field are None for an error about the whole file)."""
    errors: list[dict[str, Any]] = [
        {"row": None, "field": None, "message": str(error.error)} for error in result.base_errors
    ]
    for number, row_errors in result.row_errors():
        errors.extend(
            {"row": number, "field": None, "message": str(error.error)} for error in row_errors
        )
    for row in result.invalid_rows:
        for field, messages in row.error_dict.items():
            errors.extend(
                {"row": row.number, "field": None if field == "__all__" else field, "message": m}
                for m in messages
            )
    return errors
