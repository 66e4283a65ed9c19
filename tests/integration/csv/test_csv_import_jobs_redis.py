"""A course CSV import job through a real Celery worker on a real Redis broker (skipped
with a reason when Redis is unreachable, unless CQR_REQUIRE_SERVICES is set)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from celery.result import EagerResult

from catalog.csv_import_jobs import csv_import_job_create
from catalog.models import Course, CourseImportJob
from catalog.resources import course_row, with_export_relations
from catalog.tasks import import_courses_csv_task
from tests.integration.csv.test_course_csv import catalog, csv_text  # noqa: F401  (fixture)
from tests.integration.matching.test_celery_redis import redis_app, worker  # noqa: F401

pytestmark = [pytest.mark.celery_redis, pytest.mark.django_db(transaction=True)]


def test_a_job_sent_through_redis_is_imported_by_the_worker(
    worker: Any,  # noqa: F811
    alice: Any,
    catalog: Any,  # noqa: F811
) -> None:
    rows = [
        course_row(c) for c in with_export_relations(Course.objects.filter(provider__code="ahec"))
    ]
    for row in rows:
        row["price"] = "12.34"
    job = csv_import_job_create(
        user=alice, provider_codes=frozenset({"ahec"}), file_name="big.csv",
        data=csv_text(rows).encode(),
    )  # fmt: skip
    sent = import_courses_csv_task.delay(job.pk)
    assert not isinstance(sent, EagerResult)  # really through the broker
    assert sent.get(timeout=30) == CourseImportJob.Status.DONE
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.total_rows) == ("done", 2, 2)
    assert set(Course.objects.filter(provider__code="ahec").values_list("price", flat=True)) == {
        Decimal("12.34")
    }
    assert import_courses_csv_task.delay(job.pk).get(timeout=30) is None  # redelivered: no-op
