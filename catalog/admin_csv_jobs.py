"""The admin side of background course CSV imports (catalog/csv_import_jobs.py).

The course import page takes the upload as before (its size limit is the admin import
limit, CQR_ADMIN_IMPORT_MAX_BYTES). A file of at most CQR_CSV_IMPORT_BACKGROUND_ROWS rows
keeps the preview-then-confirm path in the request; a bigger one is stored as a job,
imported by a Celery task, and the uploader is sent to the job's page, which reloads
itself (htmx every 2 s, or a meta refresh without JavaScript, or the Refresh link) until
the job is done, then shows the summary or every error by row and column.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from catalog.csv_import_jobs import (
    csv_import_job_create,
    csv_import_job_get_for_user,
    csv_import_job_not_started,
    csv_import_jobs_recent,
    csv_import_runs_in_background,
    csv_row_count,
)
from catalog.tasks import import_courses_csv_task

JOB_URL_NAME = "catalog_course_import_job"
logger = logging.getLogger(__name__)


def _start(job_id: int) -> None:
    """Send the job to the workers; if the broker is down the job ends failed, saying so
    (nothing was imported), instead of a 500."""
    try:
        import_courses_csv_task.delay(job_id)
    except Exception as exc:  # kombu/redis raise many kinds when the broker is down
        logger.warning("course CSV import job %s not sent: %s", job_id, exc)
        csv_import_job_not_started(job_id=job_id)


class BackgroundCsvImportMixin:
    """For CourseAdmin, before CourseImportExportMixin: big files go to a Celery task."""

    admin_site: Any
    model: Any

    def get_urls(self) -> list[URLPattern]:
        urls: list[URLPattern] = super().get_urls()  # type: ignore[misc]
        job = path(
            "import/jobs/<int:job_id>/",
            self.admin_site.admin_view(self.import_job_view),
            name=JOB_URL_NAME,
        )
        return [job, *urls]

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST" and self.has_import_permission(request):  # type: ignore[attr-defined]
            form = self.create_import_form(request)  # type: ignore[attr-defined]
            if form.is_valid():
                upload = form.cleaned_data["import_file"]
                data = b"".join(upload.chunks())
                if csv_import_runs_in_background(csv_row_count(data)):
                    resource_kwargs = self.get_resource_kwargs(request)  # type: ignore[attr-defined]
                    job = csv_import_job_create(
                        user=request.user,  # type: ignore[arg-type]
                        provider_codes=resource_kwargs["provider_codes"],
                        file_name=upload.name or "courses.csv",
                        data=data,
                    )
                    transaction.on_commit(lambda: _start(job.pk))
                    return redirect(f"admin:{JOB_URL_NAME}", job_id=job.pk)
                upload.seek(0)
        response: HttpResponseBase = super().import_action(request, **kwargs)  # type: ignore[misc]
        if isinstance(response, TemplateResponse) and response.context_data is not None:
            # The page lists the user's latest background imports (their pages).
            response.context_data["import_jobs"] = csv_import_jobs_recent(user=request.user)
            response.context_data["background_rows"] = settings.CQR_CSV_IMPORT_BACKGROUND_ROWS
        return response

    def import_job_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        if not self.has_import_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        job = csv_import_job_get_for_user(user=request.user, job_id=job_id)
        if job is None:
            raise Http404("No such import, or it is not yours.")
        percent = round(100 * job.processed_rows / job.total_rows) if job.total_rows else 0
        context = {
            **self.admin_site.each_context(request),
            "title": f"Course import: {job.file_name}",
            "opts": self.model._meta,
            "job": job,
            "percent": percent,
        }
        return TemplateResponse(request, "admin/catalog/course/import_job.html", context)
