"""Big course CSVs in the admin: stored as a job, imported by a Celery task (eager here)
with progress, and a job page that polls until the result or the errors show."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

import catalog.csv_import_jobs as jobs
from catalog.models import CatalogRevision, Course, CourseImportJob
from catalog.resources import CourseResource
from tests.integration.csv.test_course_csv import (
    IMPORT_URL,
    catalog,  # noqa: F401  (fixture)
    catalog_state,
    client_alice,  # noqa: F401  (fixture)
    csv_text,
    export_csv,
    rows_of,
)


@pytest.fixture(autouse=True)
def small_threshold(settings: Any) -> None:
    settings.CQR_CSV_IMPORT_BACKGROUND_ROWS = 2  # three rows or more: in the background


def job_url(job: CourseImportJob) -> str:
    return reverse("admin:catalog_course_import_job", args=[job.pk])


def upload(client: Client, rows: list[dict[str, str]], capture: Any) -> CourseImportJob:
    data = csv_text(rows).encode("utf-8")
    with capture(execute=True):
        response = client.post(
            IMPORT_URL,
            {
                "import_file": SimpleUploadedFile("big.csv", data, content_type="text/csv"),
                "format": "0",
                "resource": "0",
            },
        )
    job = CourseImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_url(job)
    return job


def three_rows(client: Client) -> list[dict[str, str]]:
    rows = rows_of(export_csv(client))  # ahec-chest, ahec-dose
    rows[1]["price"] = "19.50"
    rows.append({**rows[1], "code": "ahec-new", "title": "New course", "hours": ""})
    return rows


def test_a_big_file_is_imported_by_the_task_and_the_page_shows_the_result(
    client_alice: Client,  # noqa: F811
    catalog: Any,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    job = upload(client_alice, three_rows(client_alice), django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == CourseImportJob.Status.DONE
    assert (job.processed_rows, job.total_rows) == (3, 3)
    assert job.errors == []
    assert job.content == ""  # the stored file is dropped once imported
    assert "1 created, 1 updated, 1 unchanged" in job.summary
    assert Course.objects.get(code="ahec-dose").price == Decimal("19.50")
    assert Course.objects.filter(code="ahec-new").exists()

    page = client_alice.get(job_url(job))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Imported big.csv" in text and "1 created, 1 updated" in text
    assert "hx-trigger" not in text and 'http-equiv="refresh"' not in text  # polling stops


def test_a_file_with_errors_changes_nothing_and_lists_row_column_and_message(
    client_alice: Client,  # noqa: F811
    catalog: Any,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    rows = three_rows(client_alice)
    rows[0]["price"] = "-3"
    rows[2]["provider"] = "gage"
    before, revisions = catalog_state(), CatalogRevision.objects.count()
    job = upload(client_alice, rows, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == CourseImportJob.Status.FAILED
    assert catalog_state() == before
    assert CatalogRevision.objects.count() == revisions
    by_place = {(e["row"], e["field"]): e["message"] for e in job.errors}
    # The CSV's own check (row 3's provider) and the catalog's rule (row 1's price), at once.
    assert set(by_place) == {(1, "price"), (3, "provider")}
    assert '"gage" is not your provider' in by_place[(3, "provider")]
    text = client_alice.get(job_url(job)).content.decode()
    assert "Nothing was imported" in text
    assert "<strong>Row 1</strong>, column <code>price</code>" in text
    assert "<strong>Row 3</strong>, column <code>provider</code>" in text


def test_progress_is_saved_while_the_rows_are_read(
    client_alice: Client,  # noqa: F811
    catalog: Any,  # noqa: F811
    alice: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 2)
    rows = three_rows(client_alice)
    rows += [{**rows[2], "code": f"ahec-new{i}", "title": f"New {i}"} for i in range(2)]
    job = jobs.csv_import_job_create(
        user=alice,
        provider_codes=frozenset({"ahec"}),
        file_name="big.csv",
        data=csv_text(rows).encode(),
    )
    seen: list[tuple[str, int, int]] = []
    real = CourseResource.import_row

    def spy(self: Any, row: Any, instance_loader: Any, **kwargs: Any) -> Any:
        saved = CourseImportJob.objects.get(pk=job.pk)
        seen.append((saved.status, saved.processed_rows, saved.total_rows))
        return real(self, row, instance_loader, **kwargs)

    real_after = CourseResource.after_import

    def spy_after(self: Any, *args: Any, **kwargs: Any) -> Any:
        saved = CourseImportJob.objects.get(pk=job.pk)
        seen.append((saved.status, saved.processed_rows, saved.total_rows))
        return real_after(self, *args, **kwargs)

    monkeypatch.setattr(CourseResource, "import_row", spy)
    monkeypatch.setattr(CourseResource, "after_import", spy_after)
    jobs.csv_import_job_run(job_id=job.pk)
    # Every 2 rows, then all 5 before the whole file is checked and written.
    assert seen == [("running", n, 5) for n in (0, 0, 2, 2, 4, 5)]
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.total_rows) == ("done", 5, 5)
    assert jobs.csv_import_job_run(job_id=job.pk) is None  # a redelivered message: no-op


def test_the_page_of_a_running_job_polls_and_shows_the_rows_read(
    client_alice: Client,  # noqa: F811
    catalog: Any,  # noqa: F811
    alice: Any,
) -> None:
    job = CourseImportJob.objects.create(
        created_by=alice, file_name="big.csv", content="x", status="running",
        total_rows=5, processed_rows=2,
    )  # fmt: skip
    text = client_alice.get(job_url(job)).content.decode()
    assert "2 of 5 rows read (40%)" in text
    CourseImportJob.objects.filter(pk=job.pk).update(processed_rows=5)
    assert "All 5 rows of <strong>big.csv</strong> read; checking and writing" in (
        client_alice.get(job_url(job)).content.decode()
    )
    assert 'hx-trigger="every 2s"' in text  # htmx polls...
    assert '<noscript><meta http-equiv="refresh"' in text  # ...or the page reloads itself
    assert f'href="{job_url(job)}">Refresh</a>' in text


def test_another_providers_staff_cannot_see_the_job(
    client: Client,
    alice: Any,
    charlie: Any,
    catalog: Any,  # noqa: F811
) -> None:
    from catalog.services import staff_grant_catalog_permissions

    job = CourseImportJob.objects.create(created_by=alice, file_name="big.csv", content="x")
    staff_grant_catalog_permissions(user=charlie)
    client.force_login(charlie)
    assert client.get(job_url(job)).status_code == 404
    assert job_url(job) not in client.get(IMPORT_URL).content.decode()
    client.force_login(alice)  # her import page links to it
    page = client.get(IMPORT_URL).content.decode()
    assert f'<a href="{job_url(job)}">big.csv</a>' in page
    assert "Files of more than 2 rows are imported in the background" in page


def test_a_small_file_keeps_the_preview(
    client_alice: Client,  # noqa: F811
    catalog: Any,  # noqa: F811
    settings: Any,
) -> None:
    settings.CQR_CSV_IMPORT_BACKGROUND_ROWS = 3
    data = csv_text(three_rows(client_alice)).encode()
    response = client_alice.post(
        IMPORT_URL,
        {"import_file": SimpleUploadedFile("s.csv", data), "format": "0", "resource": "0"},
    )
    assert response.status_code == 200
    assert response.context["confirm_form"] is not None  # the preview-then-confirm path
    assert not CourseImportJob.objects.exists()


def test_a_job_that_cannot_be_sent_ends_failed_saying_so(
    client_alice: Client,  # noqa: F811
    catalog: Any,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr("catalog.admin_csv_jobs.import_courses_csv_task.delay", broker_down)
    before = catalog_state()
    job = upload(client_alice, three_rows(client_alice), django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == CourseImportJob.Status.FAILED
    assert "could not be started" in job.errors[0]["message"]
    assert catalog_state() == before
    assert "could not be started" in client_alice.get(job_url(job)).content.decode()


def test_the_sweep_sends_lost_jobs_again_and_leaves_fresh_ones(
    client_alice: Client,  # noqa: F811
    catalog: Any,  # noqa: F811
    alice: Any,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from catalog.tasks import resend_lost_csv_import_jobs_task

    data = csv_text(three_rows(client_alice)).encode()
    make = partial(
        jobs.csv_import_job_create, user=alice, provider_codes=frozenset({"ahec"}), data=data
    )
    lost_queued, lost_running = make(file_name="a"), make(file_name="b")
    make(file_name="c")  # queued just now: left alone
    long_ago = timezone.now() - timedelta(minutes=20)
    CourseImportJob.objects.filter(pk=lost_queued.pk).update(updated_at=long_ago)
    CourseImportJob.objects.filter(pk=lost_running.pk).update(
        status="running", processed_rows=1, updated_at=long_ago
    )
    assert resend_lost_csv_import_jobs_task.delay().get() == 2  # eager: run at once
    statuses = dict(CourseImportJob.objects.values_list("file_name", "status"))
    assert statuses == {"a": "done", "b": "done", "c": "queued"}
    assert Course.objects.get(code="ahec-dose").price == Decimal("19.50")


def test_a_big_file_with_a_nul_character_is_answered_in_the_request(
    client_alice: Client,  # noqa: F811
    catalog: Any,  # noqa: F811
) -> None:
    rows = three_rows(client_alice)
    rows[1]["title"] = "Dose\x00 in practice"  # PostgreSQL cannot store it in a job
    before = catalog_state()
    data = csv_text(rows).encode()
    response = client_alice.post(
        IMPORT_URL,
        {"import_file": SimpleUploadedFile("n.csv", data), "format": "0", "resource": "0"},
    )
    assert response.status_code == 200  # the preview path's error, not a 500
    assert not CourseImportJob.objects.exists()
    result = response.context["result"]
    assert result.has_errors() or result.has_validation_errors()
    assert catalog_state() == before
