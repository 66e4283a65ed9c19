"""A mammographer's obligations in a real chromium: credentials on the profile, the CQR
window, ARRT biennium, MQSA and a Texas licence on the obligations page, one prescription
planned together with all of them, and one plan and one PDF listing each obligation with
its own due date."""

from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import Provider, Subcategory
from matching.models import MatchingRun
from obligations.services import templates_load_file
from plans import services
from prescriptions.documents import prescription_spec_from_document
from prescriptions.models import Prescription
from tests.browser.conftest import SHOTS, axe_violations, shot
from tests.browser.test_technologist import log_in
from tests.factories import CourseFactory, DistributionFactory, ProviderFactory, make_outline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

M_OUTLINE = {
    "Patient Care": ["Patient Interactions and Management"],
    "Safety": ["Radiation Safety"],
    "Image Production": ["Image Acquisition", "Quality Control"],
    "Procedures": ["Positioning", "Breast Tomosynthesis"],
}


def human(value: date) -> str:
    return f"{value:%b} {value.day}, {value.year}"


def m_course(
    provider: Provider, code: str, title: str, ce: str, price: str, tags: list[str], **rows: str
) -> None:
    course = CourseFactory(
        provider=provider,
        code=code,
        title=title,
        price=Decimal(price),
        ce_credits=Decimal(ce),
        hours=Decimal(ce),
        tags=tags,
        url=f"https://example.org/{code}",
    )
    for sub, credits in rows.items():
        DistributionFactory(
            course=course,
            subcategory=Subcategory.objects.get(
                name=sub.replace("_", " "), outline__discipline__code="M"
            ),
            credits=Decimal(credits),
        )


def mammography_catalog() -> None:
    make_outline(code="M", name="Mammography", majors=M_OUTLINE)
    ahec = cast(Provider, ProviderFactory(code="ahec", name="Advanced Health Education Center"))
    gage = cast(Provider, ProviderFactory(code="gage", name="Gage CE"))
    mammo = ["mammography", "ionizing-radiation"]
    m_course(
        ahec, "m-pos", "Mammography Positioning Masterclass", "4", "45", mammo, Positioning="3"
    )
    m_course(ahec, "m-qc", "Mammography Quality Control", "3", "30", mammo, Quality_Control="2")
    m_course(
        gage,
        "m-dbt",
        "Breast Tomosynthesis Essentials",
        "6",
        "50",
        [*mammo, "mammography-dbt"],
        Breast_Tomosynthesis="2",
    )
    m_course(
        gage, "m-dose", "Radiation Dose in Breast Imaging", "4", "35", mammo, Radiation_Safety="2"
    )
    m_course(gage, "m-path", "Breast Pathology Review", "3", "25", ["mammography"])
    m_course(
        ahec,
        "tx-ht",
        "Human Trafficking Prevention (HHSC approved)",
        "1",
        "5",
        ["human-trafficking"],
    )
    m_course(gage, "comm", "Patient Communication Skills", "6", "25", [])
    m_course(ahec, "ethics", "Ethics and Law in Imaging", "4", "20", [])


def test_a_mammographer_gets_one_plan_and_one_pdf_for_every_obligation(
    live_server: Any, page: Any, bob: Any, tmp_path: Path
) -> None:
    templates_load_file()
    mammography_catalog()
    today = timezone.localdate()
    licence_on, mqsa_on = today + timedelta(days=150), today + timedelta(days=250)
    biennium_on, cqr_on = today + timedelta(days=300), today + timedelta(days=500)
    spec = prescription_spec_from_document(
        {
            "format": "cqr-prescription/1",
            "discipline": "M",
            "issued_on": (today - timedelta(days=30)).isoformat(),
            "deadline": cqr_on.isoformat(),
            "required": [
                {"category": "Positioning", "credits": "3"},
                {"category": "Quality Control", "credits": "2"},
            ],
        }
    )
    prescription = services.prescription_create(
        owner=bob, spec=spec, title="Mammography CQR", floating_as_of=True
    )
    log_in(page, live_server, bob)

    # Credentials on the profile.
    page.goto(f"{live_server.url}/accounts/profile/")
    page.get_by_label("M – Mammography").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile was saved.")).to_be_visible()

    # The obligations page: CQR window, biennium, MQSA, Texas licence.
    page.goto(f"{live_server.url}/obligations/")
    page.get_by_label("Credential", exact=True).select_option(label="M – Mammography")
    page.get_by_label("Window ends").fill(cqr_on.isoformat())
    page.get_by_role("button", name="Add the CQR window").click()
    expect(page.get_by_text("Added: CQR compliance window (M).")).to_be_visible()
    for name, due in (
        ("ARRT biennium", biennium_on),
        ("MQSA continuing education (mammographer)", mqsa_on),
        ("Texas Medical Radiologic Technologist (MRT) renewal (check with your board)", licence_on),
    ):
        page.get_by_label("Obligation", exact=True).select_option(label=name)
        page.get_by_label("Due date").fill(due.isoformat())
        page.get_by_role("button", name="Add the obligation").click()
        expect(page.locator(".obligation-card h3")).to_contain_text([name.split(" (check")[0]])
    cards = page.locator(".obligation-card")
    expect(cards).to_have_count(3)
    texas = page.get_by_role("article", name=re.compile("^Texas"))
    expect(texas).to_contain_text("Check with your board")
    expect(texas.get_by_role("link")).to_have_attribute("href", re.compile(r"^https?://"))
    expect(texas).to_contain_text(f"Renewal date: {human(licence_on)}")
    shot(page, "obligations-page")
    assert axe_violations(page) == []

    # Plan the prescription together with all three.
    page.goto(f"{live_server.url}/prescriptions/{prescription.pk}/")
    for label in ("ARRT biennium", "MQSA continuing", "Texas Medical"):
        page.get_by_label(re.compile(label)).check()
    page.get_by_role("button", name="Save and recompute the bundles").click()
    card = page.locator("#bundle-1")
    expect(card.locator(".obligation h4")).to_have_text(
        [
            "CQR prescription",
            "Texas Medical Radiologic Technologist (MRT) renewal",
            "MQSA continuing education (mammographer)",
            "ARRT biennium",
        ],
        timeout=30000,
    )
    expect(card.locator(".obligation").nth(1)).to_contain_text(f"by {human(licence_on)}")
    expect(card.locator(".obligation").nth(1)).to_contain_text("check with your board")
    expect(card.locator(".obligation.is-short")).to_have_count(0)
    shot(page, "obligations-bundles")
    assert axe_violations(page) == []
    run = MatchingRun.objects.filter(prescription=prescription).latest("created_at")
    assert run.outcome == "optimal"

    card.get_by_role("button", name=re.compile("Choose this bundle")).click()
    expect(page.get_by_role("heading", name=re.compile("^Your plan:"))).to_be_visible()
    obligations = page.locator(".obligation")
    expect(obligations).to_have_count(4)
    expect(obligations.nth(2)).to_contain_text(f"by {human(mqsa_on)}")
    shot(page, "obligations-plan")
    assert axe_violations(page) == []

    response = page.request.get(f"{live_server.url}/prescriptions/{prescription.pk}/plan.pdf")
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(response.body())
    text = re.sub(
        r"\s+",
        " ",
        subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout,
    )
    for title, due in (
        ("Texas Medical Radiologic Technologist (MRT) renewal", licence_on),
        ("MQSA continuing education (mammographer)", mqsa_on),
        ("ARRT biennium", biennium_on),
    ):
        assert title in text
        assert f"by {human(due)}" in text
    assert "CQR prescription" in text
    assert "check with your board" in text.lower()
    plan = Prescription.objects.get(pk=prescription.pk).plan
    assert f"${plan.price:.2f}" in text
    if SHOTS:
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", str(pdf), str(Path(SHOTS) / "obligations-pdf")],
            check=True,
        )
