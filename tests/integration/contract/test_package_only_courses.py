"""A package-only course (`price: null`) that no package includes (contract §1).

It imports, is stored, is never bought (`not sold`), counts when owned, and a later
package import makes it buyable.
"""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from catalog.models import Course
from catalog.services import catalog_import
from tests.integration.contract.catalog_data import CATALOG, prescription

UNSOLD: dict[str, Any] = {
    "code": "ahec-ct-legacy",
    "provider": "ahec",
    "title": "Legacy CT Safety Module",
    "format": "online",
    "price": None,
    "ce_credits": "2.0",
    "distribution": [
        {"discipline": "CT", "category": "Patient Interactions and Management", "credits": "2.0"}
    ],
}
NEEDS_IT = prescription(
    required=[{"category": "Patient Interactions and Management", "credits": "2.0"}]
)


def catalog_with_unsold() -> dict[str, Any]:
    document = copy.deepcopy(CATALOG)
    document["courses"].append(copy.deepcopy(UNSOLD))
    return document


@pytest.fixture
def imported(db: None, tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog_with_unsold()))
    call_command("import_catalog", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def recommend(tmp_path: Path, document: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "rx.json"
    path.write_text(json.dumps(document))
    out = io.StringIO()
    call_command("recommend", str(path), "--json", stdout=out, stderr=io.StringIO())
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def test_the_catalog_imports_and_stores_the_course(imported: None) -> None:
    course = Course.objects.get(code="ahec-ct-legacy")
    assert course.price is None
    assert not course.package_items.exists()
    assert course.distribution.get().credits == 2


def test_the_engine_never_buys_it(imported: None, tmp_path: Path) -> None:
    document = recommend(tmp_path, NEEDS_IT)
    assert document["status"] == "infeasible"
    assert {"course": "ahec-ct-legacy", "reason": "not sold"} in document["exclusions"]
    assert {"reason": "not sold", "courses": 1} in document["reasons"]


def test_it_counts_when_the_prescription_lists_it_as_owned(imported: None, tmp_path: Path) -> None:
    document = recommend(tmp_path, dict(NEEDS_IT, owned=["ahec-ct-legacy"]))
    assert document["status"] == "optimal"
    bundle = document["bundles"][0]
    assert bundle["price"] == "0.00"
    assert bundle["courses"] == ["ahec-ct-legacy"]
    assert bundle["purchases"] == []
    assert bundle["credits"] == {"Patient Interactions and Management": "2.00"}


def test_a_later_package_import_makes_it_buyable(imported: None, tmp_path: Path) -> None:
    later = {
        "format": "cqr-catalog/1",
        "packages": [
            {
                "code": "ahec-legacy-pack",
                "provider": "ahec",
                "title": "Legacy pack",
                "price": "19.00",
                "courses": ["ahec-ct-legacy"],
            }
        ],
    }
    catalog_import(document=later, source="later package")
    document = recommend(tmp_path, NEEDS_IT)
    assert document["status"] == "optimal"
    assert document["bundles"][0]["purchases"] == [
        {"kind": "package", "code": "ahec-legacy-pack", "price": "19.00"}
    ]


def test_importing_the_same_file_again_changes_nothing(imported: None) -> None:
    summary = catalog_import(document=catalog_with_unsold(), source="again")
    assert not summary.changed
