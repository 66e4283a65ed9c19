"""catalog_import: upserts, idempotence, outlines sections, revisions, query count."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import matching.services.staleness
from catalog.models import (
    CatalogRevision,
    Course,
    CreditDistribution,
    OutlineVersion,
    Package,
    Provider,
)
from catalog.selectors import discipline_current_outline
from catalog.services import CatalogImportError, catalog_import
from tests.factories import CourseFactory, PackageFactory, ProviderFactory
from tests.integration.catalog_import.conftest import make_courses, snapshot

pytestmark = pytest.mark.usefixtures("outlines")


def distribution_of(code: str) -> dict[str, Decimal]:
    rows = CreditDistribution.objects.filter(course__code=code)
    return dict(rows.values_list("subcategory__name", "credits"))


class TestFirstImport:
    def test_it_creates_providers_courses_distribution_and_packages(self, catalog) -> None:
        summary = catalog_import(document=catalog, source="example.json")
        assert (summary.providers_created, summary.courses_created) == (1, 2)
        assert summary.packages_created == 1
        dose = Course.objects.get(code="ahec-ct-dose")
        assert dose.provider_code_label == "ahec"
        assert (dose.price, dose.ce_credits, dose.hours) == (
            Decimal("24.00"),
            Decimal("2.00"),
            Decimal("2.00"),
        )
        assert str(dose.approval_expires) == "2028-01-31"
        assert distribution_of("ahec-ct-dose") == {
            "Radiation Safety and Dose": Decimal("1.50"),
            "Radiation Protection": Decimal("0.50"),
        }
        pack = Package.objects.get(code="ahec-ct-pack")
        assert sorted(pack.courses.values_list("code", flat=True)) == [
            "ahec-ct-contrast",
            "ahec-ct-dose",
        ]

    def test_it_defaults_hours_to_50_minutes_per_credit(self, catalog) -> None:
        catalog_import(document=catalog)
        contrast = Course.objects.get(code="ahec-ct-contrast")
        assert contrast.price is None  # sold only inside the pack
        assert contrast.hours == Decimal("1.25")  # 1.5 credits × 50 / 60
        assert str(contrast.event_date) == "2027-03-01"

    def test_it_accepts_numbers_and_decimal_strings_alike(self, catalog) -> None:
        catalog["courses"][0].update(price=24, ce_credits=Decimal("2"), hours="2.00")
        catalog_import(document=catalog)
        dose = Course.objects.get(code="ahec-ct-dose")
        assert (dose.price, dose.ce_credits, dose.hours) == (24, 2, 2)

    def test_it_records_a_revision_with_the_affected_providers(self, catalog) -> None:
        summary = catalog_import(document=catalog, source="example.json")
        revision = CatalogRevision.objects.get()
        assert summary.revision_id == revision.pk
        assert "example.json" in revision.reason
        assert list(revision.providers.values_list("code", flat=True)) == ["ahec"]

    def test_it_tells_matching_about_the_revision(self, catalog, monkeypatch) -> None:
        seen: list[CatalogRevision] = []
        monkeypatch.setattr(
            matching.services.staleness,
            "run_mark_stale_after_catalog_change",
            lambda *, revision, **written: seen.append(revision),
        )
        catalog_import(document=catalog)
        assert seen == [CatalogRevision.objects.get()]
        catalog_import(document=catalog)
        assert len(seen) == 1  # nothing changed, nothing to tell

    def test_it_uses_existing_providers_and_ignores_unknown_keys(self, catalog) -> None:
        ProviderFactory(code="ahec", name="AHEC")
        catalog["providers"] = []
        catalog["courses"][0]["colour"] = "blue"
        catalog["generator"] = {"name": "spreadsheet"}
        summary = catalog_import(document=catalog)
        assert summary.providers_created == 0
        assert Provider.objects.get().name == "AHEC"


class TestReimport:
    def test_a_second_import_changes_nothing(self, catalog) -> None:
        catalog_import(document=catalog)
        before = snapshot()
        summary = catalog_import(document=catalog)
        assert not summary.changed
        assert summary.revision_id is None
        assert (summary.courses_unchanged, summary.packages_unchanged) == (2, 1)
        assert snapshot() == before  # same rows, same updated_at, no new revision

    def test_a_second_import_rewrites_no_row(self, catalog) -> None:
        catalog_import(document=catalog)
        with CaptureQueriesContext(connection) as queries:
            catalog_import(document=catalog)
        writes = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].split(" ", 1)[0] in {"INSERT", "UPDATE", "DELETE"}
        ]
        assert writes == []

    def test_it_updates_changed_courses_and_replaces_their_distribution(self, catalog) -> None:
        catalog_import(document=catalog)
        contrast_stamp = Course.objects.get(code="ahec-ct-contrast").updated_at
        dose = catalog["courses"][0]
        dose["title"] = "CT Dose, 2nd edition"
        dose["distribution"] = [
            {"discipline": "CT", "category": "Image Formation", "credits": "2.00"}
        ]
        summary = catalog_import(document=catalog)
        assert (summary.courses_updated, summary.courses_unchanged) == (1, 1)
        assert Course.objects.get(code="ahec-ct-dose").title == "CT Dose, 2nd edition"
        assert distribution_of("ahec-ct-dose") == {"Image Formation": Decimal("2.00")}
        assert Course.objects.get(code="ahec-ct-contrast").updated_at == contrast_stamp

    def test_it_replaces_package_members(self, catalog) -> None:
        catalog_import(document=catalog)
        catalog["courses"][1]["price"] = "15.00"
        catalog["packages"][0]["courses"] = ["ahec-ct-contrast"]
        summary = catalog_import(document=catalog)
        assert summary.packages_updated == 1
        pack = Package.objects.get(code="ahec-ct-pack")
        assert list(pack.courses.values_list("code", flat=True)) == ["ahec-ct-contrast"]

    def test_it_leaves_courses_that_are_not_in_the_file_alone(self, catalog) -> None:
        catalog_import(document=catalog)
        ahec = Provider.objects.get(code="ahec")
        other = cast(Course, CourseFactory(provider=ahec, code="ahec-legacy"))
        catalog["courses"] = catalog["courses"][:1]
        catalog["packages"] = []
        catalog_import(document=catalog)
        assert Course.objects.filter(pk=other.pk).exists()
        assert Course.objects.filter(code="ahec-ct-contrast").exists()

    def test_a_package_only_course_may_rely_on_a_stored_package(self, catalog) -> None:
        ahec = ProviderFactory(code="ahec")
        course = cast(Course, CourseFactory(provider=ahec, code="ahec-ct-contrast", price=None))
        package = cast(Package, PackageFactory(provider=ahec, code="ahec-old-pack"))
        package.courses.add(course)
        catalog["packages"] = []
        summary = catalog_import(document=catalog)
        assert summary.courses_updated == 1

    def test_a_package_may_name_a_stored_course_of_its_provider(self, catalog) -> None:
        catalog_import(document=catalog)
        later = {
            "format": "cqr-catalog/1",
            "packages": [
                {
                    "code": "ahec-dose-only",
                    "provider": "ahec",
                    "title": "Dose only",
                    "price": 20,
                    "courses": ["ahec-ct-dose"],
                }
            ],
        }
        assert catalog_import(document=later).packages_created == 1


class TestOutlinesSection:
    NEW_CT = {
        "discipline": "CT",
        "name": "Computed Tomography",
        "version": "2026",
        "categories": [
            {"major": "Patient Care", "name": "Patient Interactions and Management"},
            {"major": "Safety", "name": "Radiation Safety and Dose"},
            {"major": "Safety", "name": "Dose Optimization"},
        ],
    }

    def test_it_makes_the_files_version_the_current_outline(self, catalog) -> None:
        catalog["outlines"] = [self.NEW_CT]
        catalog["courses"][0]["distribution"][0]["category"] = "Dose Optimization"
        summary = catalog_import(document=catalog)
        assert summary.outlines_created == 1
        current = discipline_current_outline(code="CT")
        assert current is not None and current.version == "2026"
        assert OutlineVersion.objects.filter(discipline__code="CT").count() == 2
        dose = CreditDistribution.objects.get(
            course__code="ahec-ct-dose", subcategory__outline__discipline__code="CT"
        )
        assert dose.subcategory.outline == current
        assert catalog_import(document=catalog).changed is False

    def test_names_of_the_older_version_still_resolve(self, catalog) -> None:
        catalog["outlines"] = [self.NEW_CT]
        catalog["courses"][0]["distribution"][0]["category"] = "Neck and Chest"
        catalog_import(document=catalog)
        row = CreditDistribution.objects.get(
            course__code="ahec-ct-dose", subcategory__outline__discipline__code="CT"
        )
        assert (row.subcategory.name, row.subcategory.outline.version) == ("Neck and Chest", "2022")

    def test_it_creates_a_new_discipline(self, catalog) -> None:
        catalog["outlines"] = [
            {
                "discipline": "SC1",
                "name": "Set cover instance 1",
                "version": "1",
                "categories": [{"major": "Rows", "name": f"row {i}"} for i in range(300)],
            }
        ]
        catalog["courses"][0]["distribution"] = [
            {"discipline": "SC1", "category": "row 17", "credits": "1.00"},
            {"discipline": "SC1", "category": "row 299", "credits": "1.00"},
        ]
        catalog_import(document=catalog)
        assert set(distribution_of("ahec-ct-dose")) == {"row 17", "row 299"}

    def test_restating_a_version_drops_names_nothing_uses(self, catalog) -> None:
        catalog["outlines"] = [self.NEW_CT]
        catalog_import(document=catalog)
        smaller = {**self.NEW_CT, "categories": self.NEW_CT["categories"][:2]}
        summary = catalog_import(document={**catalog, "outlines": [smaller]})
        assert summary.outlines_updated == 1
        current = discipline_current_outline(code="CT")
        names = set(current.subcategories.values_list("name", flat=True))  # type: ignore[union-attr]
        assert names == {"Patient Interactions and Management", "Radiation Safety and Dose"}


class TestQueryCount:
    def count_queries(self, courses: int) -> int:
        document = make_courses(courses, provider=f"bulk{courses}")
        with CaptureQueriesContext(connection) as first:
            catalog_import(document=document)
        assert Course.objects.filter(provider__code=f"bulk{courses}").count() == courses
        return len(first)

    def test_the_number_of_queries_does_not_grow_with_the_catalog(self) -> None:
        assert self.count_queries(100) == self.count_queries(400)

    def test_an_import_of_200_courses_needs_few_queries(
        self, django_assert_max_num_queries: Any
    ) -> None:
        document = make_courses(200)
        with django_assert_max_num_queries(40):
            catalog_import(document=document)
        with django_assert_max_num_queries(20):
            catalog_import(document=document)


def test_a_rejected_import_raises_before_touching_anything(catalog) -> None:
    catalog["courses"][0]["ce_credits"] = "-2"
    before = snapshot()
    with pytest.raises(CatalogImportError):
        catalog_import(document=catalog)
    assert snapshot() == before
