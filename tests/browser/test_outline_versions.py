"""Breast Sonography in the shipped outline data: ARRT's outline of 1 September 2026
renamed two Procedures subcategories. A prescription issued 2026-10-01 in the new wording
and one issued 2025-10-01 in the old wording both plan against courses tagged in either
wording, each course counted once, and the bundles pages say so (real chromium)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from catalog.models import OutlineVersion
from catalog.services import catalog_import, outlines_load_default
from plans.services import prescription_create
from prescriptions.documents import prescription_spec_from_document
from tests.browser.conftest import axe_violations, shot
from tests.browser.test_technologist import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _course(code: str, title: str, price: str, rows: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "code": code,
        "provider": "sono",
        "title": title,
        "format": "online",
        "price": price,
        "ce_credits": "2.0",
        "distribution": [
            {"discipline": "BS", "category": name, "credits": credits} for name, credits in rows
        ],
    }


CATALOG = {
    "format": "cqr-catalog/1",
    "providers": [{"code": "sono", "name": "Sono CE"}],
    "courses": [
        _course(
            "bs-anat-old", "Breast Anatomy Review", "20.00", [("Anatomy and Physiology", "1.5")]
        ),
        _course(
            "bs-anat-new",
            "Anatomical Layers of the Breast",
            "26.00",
            [("Anatomical Layers and Breast Tissue", "1.5")],
        ),
        # Tagged by its provider under both wordings of the one renamed subcategory.
        _course(
            "bs-path-both",
            "Breast Pathology on Ultrasound",
            "15.00",
            [("Pathology", "1.0"), ("Pathology and Sonographic Features", "1.0")],
        ),
    ],
}
NEW_WORDING = [
    ("Anatomical Layers and Breast Tissue", "1.5"),
    ("Pathology and Sonographic Features", "1.0"),
]
OLD_WORDING = [("Anatomy and Physiology", "1.5"), ("Pathology", "1.0")]


def _prescription(owner: Any, title: str, issued_on: str, lines: list[tuple[str, str]]) -> Any:
    spec = prescription_spec_from_document(
        {
            "format": "cqr-prescription/1",
            "discipline": "BS",
            "issued_on": issued_on,
            "deadline": "2028-09-30",
            "required": [{"category": name, "credits": credits} for name, credits in lines],
        }
    )
    return prescription_create(owner=owner, spec=spec, title=title, floating_as_of=True)


@pytest.mark.parametrize(
    ("issued_on", "lines", "slug"),
    [
        ("2026-10-01", NEW_WORDING, "bs-2026-new-wording"),
        ("2025-10-01", OLD_WORDING, "bs-2025-old-wording"),
    ],
)
def test_a_bs_prescription_in_either_wording_plans_with_courses_tagged_in_either(
    live_server: Any, page: Any, bob: Any, issued_on: str, lines: list[tuple[str, str]], slug: str
) -> None:
    outlines_load_default()
    catalog_import(document=CATALOG, source="bs wording")
    versions = {v.version: v for v in OutlineVersion.objects.filter(discipline__code="BS")}
    assert versions["2026"].is_current
    prescription = _prescription(bob, f"BS issued {issued_on}", issued_on, lines)
    log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/prescriptions/{prescription.pk}/")
    shot(page, slug)
    bundle = page.locator(".bundle-card").first
    expect(bundle).to_contain_text("$35.00")
    # The old-wording course and the course tagged in both wordings, whatever the wording
    # of the prescription; the dearer new-wording course is not needed.
    expect(bundle).to_contain_text("Breast Anatomy Review")
    expect(bundle).to_contain_text("Breast Pathology on Ultrasound")
    expect(bundle).not_to_contain_text("Anatomical Layers of the Breast")
    # Counted once: 1.00 toward the pathology line, not 2.00 from its two taggings.
    pathology = lines[1][0]
    expect(bundle).to_contain_text(f"{pathology}: 1.00 of 1.00")
    expect(bundle).not_to_contain_text(f"{pathology}: 2.00")
    # The page says which outline version the prescription is read against, and that it
    # is not confirmed word for word by ARRT.
    version = "2026" if issued_on >= "2026-09-01" else "2022"
    expect(page.locator(".outline-version")).to_contain_text(
        f"BS content outline, version {version}"
    )
    expect(page.locator(".outline-version")).to_contain_text("unconfirmed")
    assert axe_violations(page) == []
