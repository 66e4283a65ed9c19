"""MatchingRun lifecycle: create -> (on commit) compute -> done/failed; stale and replan."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from catalog.importers.outlines import OutlineSpec
from catalog.models import CatalogRevision
from catalog.services import outline_upsert
from matching.models import Bundle, BundleCourse, BundlePurchase, MatchingRun
from matching.selectors import bundles_for_run, run_get_for_user, run_latest_for_prescription
from matching.services.runs import run_create, run_execute
from matching.services.staleness import replan_stale, run_mark_stale_after_catalog_change
from tests.factories import ProviderFactory, UserFactory, make_outline
from tests.integration.matching.conftest import Catalog

D = Decimal


def queued_run(prescription) -> MatchingRun:
    return MatchingRun.objects.create(prescription=prescription)


def test_saving_a_prescription_produces_a_run_that_completes(
    prescription, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        run = run_create(prescription=prescription)
        assert run.status == MatchingRun.Status.QUEUED
    assert len(callbacks) == 1
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.DONE
    assert run.outcome == "optimal"
    assert run.bundles.get(rank=1).price == D("50.00")


def test_run_create_records_the_latest_catalog_revision(prescription) -> None:
    CatalogRevision.objects.create(reason="import")
    latest = CatalogRevision.objects.create(reason="import")
    assert run_create(prescription=prescription).catalog_revision == latest.id


def test_a_run_stores_bundles_the_document_and_statistics(catalog: Catalog, prescription) -> None:
    prescription.hours_per_week = D(2)
    prescription.owned_courses.add(catalog.gage_small)
    prescription.save()
    run = queued_run(prescription)
    run_execute(run_id=run.id)
    run.refresh_from_db()
    assert (run.status, run.outcome, run.progress, run.error) == ("done", "optimal", 100, "")
    assert run.gap == 0.0
    assert run.attempts == 1
    assert run.started_at and run.finished_at and run.finished_at >= run.started_at
    assert run.result["format"] == "cqr-recommendation/1"
    assert run.result["bundles"][0]["price"] == str(run.bundles.get(rank=1).price)
    assert {"load_seconds", "solve_seconds", "run_seconds"} <= set(run.stats["timings"])
    assert "variables" in run.stats
    bundle = run.bundles.get(rank=1)
    purchases = list(BundlePurchase.objects.filter(bundle=bundle))
    items = list(BundleCourse.objects.filter(bundle=bundle).order_by("position"))
    bought = {(p.kind, p.code, p.price) for p in purchases}
    assert sum(p.price for p in purchases) == bundle.price
    assert bundle.credits == run.result["bundles"][0]["credits"]
    assert [i.code for i in items] == [
        c.split("/")[-1] for c in run.result["bundles"][0]["courses"]
    ]
    for item in items:
        assert item.course is not None and item.complete_by <= date(2027, 12, 31)
        assert item.start_by is not None
        assert item.owned == (item.course == catalog.gage_small)
    for kind, code, _ in bought:
        assert kind in {"course", "package"} and code


def test_a_failing_run_ends_failed_with_its_message(prescription) -> None:
    prescription.formats = ["fax"]
    prescription.save()
    run = queued_run(prescription)
    run_execute(run_id=run.id)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.FAILED
    assert run.error == 'Invalid prescription: formats[0]: unknown format "fax" ' + (
        "(expected one of online, home-study, webinar, live)"
    )
    assert run.finished_at is not None
    assert not run.bundles.exists()


def test_a_duplicate_execution_changes_nothing(prescription) -> None:
    run = queued_run(prescription)
    run_execute(run_id=run.id)
    run.refresh_from_db()
    before = (run.status, run.attempts, run.finished_at, run.updated_at, run.result)
    bundle_ids = sorted(Bundle.objects.filter(run=run).values_list("id", flat=True))
    run_execute(run_id=run.id)
    run.refresh_from_db()
    assert (run.status, run.attempts, run.finished_at, run.updated_at, run.result) == before
    assert sorted(Bundle.objects.filter(run=run).values_list("id", flat=True)) == bundle_ids


def test_a_run_another_worker_is_running_is_left_alone(prescription) -> None:
    run = queued_run(prescription)
    MatchingRun.objects.filter(id=run.id).update(
        status="running",
        task_id="task-a",
        started_at=timezone.now(),
        lease_expires_at=timezone.now() + timedelta(minutes=1),
    )
    run_execute(run_id=run.id, task_id="task-b")
    run_execute(run_id=run.id)
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("running", 0)
    assert not run.bundles.exists()


def test_a_redelivered_copy_of_the_owning_task_takes_over_at_once(prescription) -> None:
    run = queued_run(prescription)
    MatchingRun.objects.filter(id=run.id).update(
        status="running",
        task_id="task-a",
        attempts=1,
        started_at=timezone.now(),
        lease_expires_at=timezone.now() + timedelta(minutes=1),
    )
    run_execute(run_id=run.id, task_id="task-a")
    run.refresh_from_db()
    assert (run.status, run.attempts, run.task_id) == ("done", 2, "task-a")
    assert run.bundles.count() == len(run.result["bundles"]) >= 1


def test_a_run_that_used_its_attempts_ends_failed(prescription) -> None:
    run = queued_run(prescription)
    MatchingRun.objects.filter(id=run.id).update(
        status="running",
        task_id="task-a",
        attempts=3,
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    run_execute(run_id=run.id, task_id="task-a")
    run.refresh_from_db()
    assert run.status == "failed"
    assert "Gave up after 3 attempts" in run.error


def test_an_abandoned_running_run_is_claimed_again(prescription) -> None:
    run = queued_run(prescription)
    long_ago = timezone.now() - timedelta(hours=1)
    MatchingRun.objects.filter(id=run.id).update(
        status="running", task_id="dead", started_at=long_ago, lease_expires_at=long_ago
    )
    run_execute(run_id=run.id, task_id="other")
    run.refresh_from_db()
    assert run.status == "done"
    assert run.attempts == 1
    assert run.bundles.count() == len(run.result["bundles"]) >= 1


def test_a_missing_run_is_ignored(db: None) -> None:
    run_execute(run_id=987654)


# --- stale runs ---------------------------------------------------------------------------


def done_run(prescription, **fields) -> MatchingRun:
    run = queued_run(prescription)
    run_execute(run_id=run.id)
    MatchingRun.objects.filter(id=run.id).update(**fields)
    run.refresh_from_db()
    return run


def revision_for(*providers) -> CatalogRevision:
    revision = CatalogRevision.objects.create(reason="import")
    revision.providers.set(providers)
    return revision


@pytest.fixture
def today_prescription(prescription):
    prescription.deadline = timezone.localdate() + timedelta(days=365)
    prescription.as_of = timezone.localdate()
    prescription.save()
    return prescription


def test_a_catalog_change_of_a_provider_in_the_discipline_marks_the_latest_run_stale(
    catalog: Catalog, today_prescription
) -> None:
    older = done_run(today_prescription)
    latest = done_run(today_prescription)
    assert run_mark_stale_after_catalog_change(revision=revision_for(catalog.gage)) == 1
    older.refresh_from_db()
    latest.refresh_from_db()
    assert (older.is_stale, latest.is_stale) == (False, True)


def test_a_change_of_an_unrelated_provider_leaves_runs_alone(
    catalog: Catalog, today_prescription
) -> None:
    run = done_run(today_prescription)
    assert run_mark_stale_after_catalog_change(revision=revision_for(ProviderFactory())) == 0
    run.refresh_from_db()
    assert not run.is_stale


def test_a_provider_whose_bought_course_left_the_discipline_still_marks_the_run_stale(
    catalog: Catalog, today_prescription
) -> None:
    done_run(today_prescription)
    catalog.dose.distribution.all().delete()
    catalog.image.distribution.all().delete()
    assert run_mark_stale_after_catalog_change(revision=revision_for(catalog.ahec)) == 1


def test_a_new_outline_version_of_the_discipline_marks_its_runs_and_no_others(
    catalog: Catalog, today_prescription
) -> None:
    run = done_run(today_prescription)
    other = make_outline(code="MR", name="Magnetic Resonance", majors={"Safety": ["MR Safety"]})
    unrelated = CatalogRevision.objects.create(reason="outline MR 2026")
    unrelated.disciplines.set([other.discipline])
    assert run_mark_stale_after_catalog_change(revision=unrelated) == 0
    outline_upsert(
        spec=OutlineSpec("CT", "2027", (("Safety", ("Radiation Safety and Dose",)),))
    )  # records a revision naming CT; matching hears of it through catalog_revised
    run.refresh_from_db()
    assert run.is_stale
    revision = CatalogRevision.objects.order_by("-id").first()
    assert revision is not None
    assert list(revision.disciplines.values_list("code", flat=True)) == ["CT"]


def test_runs_of_past_deadlines_or_newer_revisions_are_not_marked(
    catalog: Catalog, prescription, today_prescription
) -> None:
    revision = revision_for()
    done_run(today_prescription, catalog_revision=revision.id)
    assert run_mark_stale_after_catalog_change(revision=revision) == 0
    prescription.deadline = timezone.localdate() - timedelta(days=1)
    prescription.issued_on = prescription.deadline - timedelta(days=30)
    prescription.save()
    assert run_mark_stale_after_catalog_change(revision=revision_for()) == 0


def test_replan_stale_creates_fresh_runs_and_keeps_the_old_one(
    today_prescription, django_capture_on_commit_callbacks
) -> None:
    old = done_run(today_prescription, is_stale=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert replan_stale(batch_size=1) == 1
    old.refresh_from_db()
    assert old.status == "done" and not old.is_stale
    new = run_latest_for_prescription(today_prescription)
    assert new is not None and new.id != old.id
    assert new.status == "done"  # eager Celery computed it on commit
    assert replan_stale(batch_size=1) == 0


def test_replan_stale_skips_prescriptions_that_already_have_a_newer_run(
    today_prescription,
) -> None:
    old = done_run(today_prescription, is_stale=True)
    newer = queued_run(today_prescription)
    assert replan_stale() == 0
    old.refresh_from_db()
    assert not old.is_stale
    assert run_latest_for_prescription(today_prescription) == newer


def test_the_replan_stale_command_reports_its_count(today_prescription, capsys) -> None:
    done_run(today_prescription, is_stale=True)
    call_command("replan_stale", "--batch-size", "5")
    assert "Queued 1 new run(s)" in capsys.readouterr().out


# --- selectors ----------------------------------------------------------------------------


def test_run_get_for_user_returns_404_for_missing_and_not_yours(prescription, bob) -> None:
    run = queued_run(prescription)
    assert run_get_for_user(user=bob, run_id=run.id) == run
    with pytest.raises(Http404):
        run_get_for_user(user=UserFactory(username="mallory"), run_id=run.id)
    with pytest.raises(Http404):
        run_get_for_user(user=bob, run_id=run.id + 1000)


def test_bundles_for_run_prefetches_purchases_and_courses(
    prescription, django_assert_num_queries
) -> None:
    run = done_run(prescription)
    with django_assert_num_queries(3):
        bundles = list(bundles_for_run(run))
        for bundle in bundles:
            for purchase in bundle.purchases.all():
                assert purchase.code
                _ = purchase.package.provider.code if purchase.package else None
            for item in bundle.items.all():
                assert item.course is not None and item.course.provider_code_label


def test_a_catalog_import_marks_affected_runs_stale(catalog: Catalog, today_prescription) -> None:
    from catalog.services import catalog_import

    run = done_run(today_prescription)
    catalog_import(
        document={
            "format": "cqr-catalog/1",
            "courses": [
                {
                    "code": "gage-cheap",
                    "provider": "gage",
                    "title": "A cheaper image course",
                    "format": "online",
                    "price": "1.00",
                    "ce_credits": "3.00",
                    "distribution": [
                        {"discipline": "CT", "category": "Image Formation", "credits": "3.00"}
                    ],
                }
            ],
        },
        source="test",
    )
    run.refresh_from_db()
    assert run.is_stale


def test_a_new_edit_cancels_the_queued_run_it_replaces(prescription) -> None:
    with transaction.atomic():  # no commit: nothing is computed, both stay queued
        first = run_create(prescription=prescription)
        second = run_create(prescription=prescription)
        first.refresh_from_db()
        assert first.status == "failed"
        assert "Superseded by a newer edit" in first.error
        assert MatchingRun.objects.get(id=second.id).status == "queued"


def test_a_stuck_run_is_overdue_once_its_lease_ends(prescription) -> None:
    run = queued_run(prescription)
    assert not run.is_overdue
    run.lease_expires_at = timezone.now() - timedelta(seconds=1)
    assert run.is_overdue
