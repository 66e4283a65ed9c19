"""Re-planning after catalog changes: only runs whose plan the written courses and
packages could change go stale, and a series of imports is re-planned once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from catalog.models import CatalogRevision
from catalog.services import ImportSummary, catalog_import, catalog_record_change
from matching.models import BundleCourse, BundlePurchase, MatchingRun
from matching.services.runs import run_execute
from matching.services.staleness import replan_due, replan_stale
from tests.integration.matching.conftest import Catalog, add_course

D = Decimal
PROVIDERS = [
    {"code": "ahec", "name": "Advanced Health Education Center"},
    {"code": "gage", "name": "Gage CE"},
]


def course_record(code: str, category: str, price: str, **fields: Any) -> dict[str, Any]:
    return {
        "code": code,
        "provider": fields.pop("provider", "ahec"),
        "title": f"Course {code}",
        "format": "online",
        "price": price,
        "ce_credits": "2.0",
        "distribution": [{"discipline": "CT", "category": category, "credits": "2.0"}],
        **fields,
    }


def import_records(
    courses: list[dict[str, Any]] | None = None, packages: list[dict[str, Any]] | None = None
) -> ImportSummary:
    summary = catalog_import(
        document={
            "format": "cqr-catalog/1",
            "providers": PROVIDERS,
            "courses": courses or [],
            "packages": packages or [],
        }
    )
    assert summary.revision_id is not None, "the import changed nothing"
    return summary


@pytest.fixture
def open_prescription(prescription):
    """Bob's CT prescription (3.00 Image Formation + 1.50 Radiation Safety and Dose),
    its deadline a year ahead."""
    prescription.deadline = timezone.localdate() + timedelta(days=365)
    prescription.as_of = timezone.localdate()
    prescription.save()
    return prescription


def computed_run(prescription) -> MatchingRun:
    run = MatchingRun.objects.create(prescription=prescription)
    run_execute(run_id=run.id)
    run.refresh_from_db()
    assert run.status == "done", run.error
    return run


def is_stale(run: MatchingRun) -> bool:
    run.refresh_from_db()
    return run.is_stale


def used_course_ids(run: MatchingRun) -> set[int | None]:
    bought = BundlePurchase.objects.filter(bundle__run=run).values_list("course_id", flat=True)
    scheduled = BundleCourse.objects.filter(bundle__run=run).values_list("course_id", flat=True)
    return {*bought, *scheduled}


def test_a_run_records_what_of_the_catalog_its_plan_depends_on(
    catalog: Catalog, open_prescription
) -> None:
    run = computed_run(open_prescription)
    wanted = {catalog.sub("Image Formation").id, catalog.sub("Radiation Safety and Dose").id}
    assert run.catalog_inputs == {
        "subcategory_ids": sorted(wanted),
        "tags": [],
        "all_active": False,
        "course_ids": [],
    }


def test_a_course_in_a_subcategory_the_prescription_does_not_need_leaves_its_run_alone(
    catalog: Catalog, open_prescription
) -> None:
    run = computed_run(open_prescription)
    # Same provider, same discipline: the provider-wide rule would have re-planned it.
    import_records([course_record("ahec-neck", "Neck and Chest", "5.00")])
    assert not is_stale(run)


def test_a_new_course_in_a_required_subcategory_makes_the_run_stale(
    catalog: Catalog, open_prescription
) -> None:
    run = computed_run(open_prescription)
    import_records([course_record("ahec-img-cheap", "Image Formation", "1.00")])
    assert is_stale(run)


def test_a_dearer_course_the_plan_bought_makes_the_run_stale(
    catalog: Catalog, open_prescription
) -> None:
    run = computed_run(open_prescription)
    assert catalog.gage_small.id in used_course_ids(run)
    # Its row moves out of the prescription's subcategories: only the bundles tie it.
    import_records(
        [course_record("gage-img2", "Neck and Chest", "99.00", provider="gage", title="x")]
    )
    assert is_stale(run)


def test_retiring_a_course_no_bundle_uses_leaves_the_run_alone(
    catalog: Catalog, open_prescription, settings
) -> None:
    settings.CQR_RUN_ALTERNATIVES = 0  # the best bundle only
    pricey = add_course(
        catalog.ahec, "ahec-img-pricey", {catalog.sub("Image Formation"): D(3)}, price=D(900)
    )
    run = computed_run(open_prescription)
    assert pricey.id not in used_course_ids(run)
    import_records([course_record("ahec-img-pricey", "Image Formation", "900.00", is_active=False)])
    assert not is_stale(run)


def test_a_cheaper_package_of_candidate_courses_makes_the_run_stale(
    catalog: Catalog, open_prescription
) -> None:
    other = add_course(catalog.gage, "gage-neck", {catalog.sub("Neck and Chest"): D(1)})
    run = computed_run(open_prescription)
    package = {"code": "gage-pack", "provider": "gage", "title": "Gage pack", "price": "1.00"}
    import_records(packages=[{**package, "courses": [other.code]}])
    assert not is_stale(run)  # its only course offers nothing this prescription needs
    import_records(packages=[{**package, "courses": [other.code, catalog.gage_small.code]}])
    assert is_stale(run)


def test_a_change_without_a_list_of_records_uses_the_provider_rule(
    catalog: Catalog, open_prescription
) -> None:
    run = computed_run(open_prescription)
    catalog_record_change(reason="outline edit", providers=[catalog.ahec])
    assert is_stale(run)


def test_a_run_stored_before_inputs_were_recorded_uses_the_provider_rule(
    catalog: Catalog, open_prescription
) -> None:
    run = computed_run(open_prescription)
    MatchingRun.objects.filter(id=run.id).update(catalog_inputs={})
    import_records([course_record("ahec-neck", "Neck and Chest", "5.00")])
    assert is_stale(run)


def age_revisions(seconds: float) -> None:
    CatalogRevision.objects.update(created_at=timezone.now() - timedelta(seconds=seconds))


def test_a_series_of_imports_is_re_planned_once_after_the_catalog_is_quiet(
    catalog: Catalog, open_prescription, settings
) -> None:
    settings.CQR_REPLAN_QUIET_SECONDS = 60
    run = computed_run(open_prescription)
    for price in ("3.00", "2.00", "1.00"):
        import_records([course_record("ahec-img-cheap", "Image Formation", price)])
    assert is_stale(run)
    assert replan_stale(coalesce=True) == 0  # imports still coming in: wait
    assert MatchingRun.objects.filter(prescription=open_prescription).count() == 1
    age_revisions(61)
    assert replan_stale(coalesce=True) == 1
    assert replan_stale(coalesce=True) == 0
    runs = MatchingRun.objects.filter(prescription=open_prescription)
    assert runs.count() == 2 and not runs.filter(is_stale=True).exists()


def test_steady_imports_never_keep_a_stale_run_waiting_past_the_maximum(
    catalog: Catalog, open_prescription, settings
) -> None:
    settings.CQR_REPLAN_QUIET_SECONDS = 60
    settings.CQR_REPLAN_MAX_WAIT_SECONDS = 600
    computed_run(open_prescription)
    import_records([course_record("ahec-img-cheap", "Image Formation", "3.00")])
    age_revisions(601)  # the run went stale ten minutes ago...
    import_records([course_record("ahec-img-cheap", "Image Formation", "2.00")])  # ...and now
    assert replan_due()
    age_revisions(30)
    assert not replan_due()  # both within the quiet period, the run waited 30 s only
    assert replan_stale() == 1  # the command does not wait
