"""Structured education in a real chromium: choose it for MR, see the pre-filled
requirement, get bundles, print the PDF."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import Provider, Subcategory
from prescriptions.models import Prescription
from tests.browser.conftest import SHOTS, axe_violations, shot
from tests.browser.test_technologist import log_in
from tests.factories import CourseFactory, DistributionFactory, ProviderFactory, make_outline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MR_OUTLINE = {
    "Patient Care": ["Patient Interactions and Management"],
    "Safety": ["MR Screening and Safety"],
    "Image Production": ["Image Formation", "Sequence Parameters and Options"],
    "Procedures": ["Neurological", "Musculoskeletal"],
}


def mr_course(provider: Provider, code: str, title: str, sub: str, credits: str, price: str):
    course = CourseFactory(
        provider=provider,
        code=code,
        title=title,
        price=Decimal(price),
        ce_credits=Decimal(credits),
        hours=Decimal(credits),
        url=f"https://example.org/{code}",
    )
    DistributionFactory(
        course=course,
        subcategory=Subcategory.objects.get(name=sub, outline__discipline__code="MR"),
        credits=Decimal(credits),
    )
    return course


def mr_catalog() -> None:
    make_outline(code="MR", name="Magnetic Resonance Imaging", majors=MR_OUTLINE)
    ahec = cast(Provider, ProviderFactory(code="ahec", name="Advanced Health Education Center"))
    gage = cast(Provider, ProviderFactory(code="gage", name="Gage CE"))
    mr_course(
        gage, "mr-pt", "Patient Care in the MR Suite", MR_OUTLINE["Patient Care"][0], "1.5", "20"
    )
    mr_course(ahec, "mr-safety", "MR Safety Zones", "MR Screening and Safety", "2", "25")
    mr_course(ahec, "mr-physics", "MR Physics", "Image Formation", "6", "60")
    mr_course(gage, "mr-artifacts", "MR Artifacts", "Sequence Parameters and Options", "2", "22")
    mr_course(gage, "mr-neuro", "Neuro MR Protocols", "Neurological", "5", "45")
    mr_course(ahec, "mr-msk", "MSK MR in Practice", "Musculoskeletal", "3", "30")


def test_a_technologist_plans_and_prints_structured_education_for_mr(
    live_server: Any, page: Any, bob: Any, tmp_path: Path
) -> None:
    mr_catalog()
    log_in(page, live_server, bob)
    apply_on = timezone.localdate() + timedelta(days=300)

    page.goto(f"{live_server.url}/prescriptions/new/")
    page.get_by_label("Structured education").check()
    page.get_by_label("Discipline").select_option("MR")
    # htmx swaps in the structured-education requirement, pre-filled, and the date labels.
    expect(
        page.get_by_label("Credits in the discipline, all subcategories together")
    ).to_have_value("16")
    expect(page.get_by_label("At least this many in each major category")).to_have_value("1")
    expect(page.locator(".major-list li")).to_have_text(
        ["Patient Care", "Safety", "Image Production", "Procedures"]
    )
    expect(page.get_by_label("Image Formation")).to_have_count(0)  # no subcategory credits
    page.get_by_label("Name for this prescription").fill("MR structured education")
    page.get_by_label("Planned application date").fill(apply_on.isoformat())
    shot(page, "se-form")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save and find courses").click()

    # Bundles: the structured-education progress on its own, CE credits beside it.
    expect(
        page.get_by_role("heading", name=re.compile("cheapest first|cheapest bundle"))
    ).to_be_visible()
    card = page.locator("#bundle-1")
    expect(card.locator(".obligation h4")).to_have_text(["Structured education"])
    expect(card.locator(".obligation")).to_contain_text(
        re.compile(r"\d+\.\d\d of 16\.00 credits in MR")
    )
    expect(card.locator(".obligation .parts li")).to_have_count(4)
    expect(card.locator(".bundle-facts")).to_contain_text("Credits in MR")
    expect(card.locator(".bundle-facts")).to_contain_text("CE credits")
    shot(page, "se-bundles")
    assert axe_violations(page) == []
    prescription = Prescription.objects.get(owner=bob)
    assert prescription.kind == "structured-education"

    # Print it.
    response = page.request.get(f"{live_server.url}/prescriptions/{prescription.pk}/plan.pdf")
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = re.sub(r"\s+", " ", text)
    assert "CE plan — Structured education" in text
    assert f"Planned application: {apply_on:%b} {apply_on.day}, {apply_on.year}" in text
    assert re.search(r"\d+\.\d\d of 16\.00 credits in MR", text)
    assert "At least 1.00 in each major category: Patient Care 1.50 ✓" in text
    assert "Patient Care in the MR Suite" in text and "MR Safety Zones" in text
    if SHOTS:
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(pdf), str(Path(SHOTS) / "se-pdf")], check=True
        )
