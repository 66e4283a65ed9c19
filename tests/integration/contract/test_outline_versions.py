"""Dated outline versions through the contract commands: a prescription is read against
the version in force on its issued_on, courses tagged in either wording count once."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from catalog.models import OutlineVersion, SubcategoryMapping
from catalog.services import catalog_import
from tests.integration.contract.outline_versions_data import NEW, OLD, catalog, prescription

NEW_WORDING = [
    ("Patient Care, Safety, and Communication", "1.5"),
    ("Interventional Breast Procedures", "1.0"),
    ("Image Quality", "2.0"),
]
OLD_WORDING = [
    ("Patient Care and Safety", "1.5"),
    ("Breast Procedures", "2.0"),
    ("Artifacts", "0.5"),
]


@pytest.fixture
def imported(db: None) -> None:
    catalog_import(document=catalog(), source="bs versions")


def recommend(tmp_path: Path, document: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "rx.json"
    path.write_text(json.dumps(document))
    out = io.StringIO()
    call_command("recommend", str(path), "--json", stdout=out, stderr=io.StringIO())
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def test_both_versions_are_stored_with_dates_and_the_new_one_is_current(imported: None) -> None:
    versions = {v.version: v for v in OutlineVersion.objects.filter(discipline__code="BS")}
    assert set(versions) == {OLD, NEW}
    assert versions[NEW].is_current and not versions[OLD].is_current
    assert str(versions[OLD].effective_until) == "2026-08-31"
    assert str(versions[NEW].effective_from) == "2026-09-01"
    assert SubcategoryMapping.objects.filter(to_subcategory__outline=versions[NEW]).count() == 5


def test_a_prescription_in_the_new_wording_plans_against_courses_of_either(
    imported: None, tmp_path: Path
) -> None:
    document = recommend(tmp_path, prescription("2026-10-01", NEW_WORDING))
    assert document["status"] == "optimal"
    bundle = document["bundles"][0]
    assert sorted(bundle["courses"]) == ["bs-both", "bs-old-img", "bs-old-proc"]
    assert bundle["price"] == "65.00"
    credits = bundle["credits"]
    assert credits["Patient Care, Safety, and Communication"] == "1.50"  # once, not 3.00
    assert credits["Interventional Breast Procedures"] == "1.00"  # half of the split row
    assert credits["Image Quality"] == "2.00"  # the merged rows add up


def test_a_prescription_in_the_old_wording_plans_against_courses_of_either(
    imported: None, tmp_path: Path
) -> None:
    document = recommend(tmp_path, prescription("2025-10-01", OLD_WORDING))
    assert document["status"] == "optimal"
    bundle = document["bundles"][0]
    assert sorted(bundle["courses"]) == ["bs-both", "bs-old-img", "bs-old-proc"]
    assert bundle["credits"]["Patient Care and Safety"] == "1.50"
    assert bundle["credits"]["Breast Procedures"] == "2.00"


@pytest.mark.parametrize(
    ("issued_on", "category"),
    [
        ("2026-10-01", "Patient Care, Safety, and Communication"),
        ("2025-10-01", "Patient Care and Safety"),
    ],
)
def test_a_course_tagged_in_both_wordings_counts_once(
    imported: None, tmp_path: Path, issued_on: str, category: str
) -> None:
    document = recommend(tmp_path, prescription(issued_on, [(category, "3.0")]))
    assert document["status"] == "infeasible"
    assert document["shortfall"] == [
        {"category": category, "required": "3.00", "available": "1.50"}
    ]


def test_courses_tagged_in_the_new_wording_count_for_an_old_prescription(
    imported: None, tmp_path: Path
) -> None:
    # Diagnostic Breast Procedures came from Breast Procedures; Image Quality from two.
    document = recommend(
        tmp_path,
        prescription(
            "2025-10-01",
            [("Breast Procedures", "2.0")],
            exclude_providers=[],
            formats=["online"],
        ),
    )
    assert document["bundles"][0]["courses"] == ["bs-old-proc"]  # 20.00 beats 25.00
    merged = recommend(tmp_path, prescription("2025-10-01", [("Artifacts", "1.5")]))
    assert merged["status"] == "optimal"
    assert sorted(merged["bundles"][0]["courses"]) == ["bs-new-iq", "bs-old-img"]
    assert merged["bundles"][0]["credits"]["Artifacts"] == "1.50"  # 1.00 + half of 1.00


def test_major_minimum_uses_the_majors_of_the_version_in_force(
    imported: None, tmp_path: Path
) -> None:
    minimum = {"extra": [{"kind": "major_minimum", "credits": "0.5"}]}
    new = recommend(tmp_path, prescription("2026-10-01", [], **minimum))
    assert new["status"] == "infeasible"  # nobody teaches Breast Elastography yet
    assert [s["category"] for s in new["shortfall"]] == ["major:Elastography"]
    old = recommend(tmp_path, prescription("2025-10-01", [], **minimum))
    assert old["status"] == "optimal"
    assert "major:Elastography" not in old["bundles"][0]["credits"]


def test_importing_the_same_versions_again_changes_nothing(imported: None) -> None:
    assert not catalog_import(document=catalog(), source="again").changed
