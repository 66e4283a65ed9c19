"""Pasting and uploading a prescription in a real chromium: the confirmation screen (a
line corrected, axe-core clean), bundles; and a line not in our outline yet going from
entry to the staff queue to an alias to a re-planned prescription."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, cast

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import SubcategoryAlias
from prescriptions.models import Prescription
from tests.browser.conftest import axe_violations, shot
from tests.browser.test_technologist import log_in
from tests.factories import UserFactory
from tests.integration.web.conftest import build_catalog
from tests.unit.parsing.corpus import CORPUS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def text() -> str:
    today = timezone.localdate()
    issued, deadline = today - timedelta(days=20), today + timedelta(days=600)
    return (
        "ARRT CQR prescription\nDiscipline: Computed Tomography\nARRT ID 123456\n"
        f"Issued: {issued:%m/%d/%Y}\nDeadline: {deadline:%m/%d/%Y}\n\n"
        "Safety ..... 1.50 credits\n"
        "Image Formatoin ..... 3.00 credits\n"
        "Cardiac Doppler ..... 0.50 credits\n"
        "Page 1 of 1\n"
    )


def test_paste_correct_one_line_save_and_reach_bundles(live_server: Any, page: Any) -> None:
    build_catalog()
    bob = cast(Any, UserFactory(username="bob"))
    log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/prescriptions/")
    page.get_by_role("link", name="Paste or upload a prescription").click()
    page.get_by_label("Paste your prescription").fill(text())
    page.get_by_role("button", name="Read my prescription").click()

    expect(page.get_by_role("heading", name="Check what we read")).to_be_visible()
    line1 = page.get_by_role("group", name=re.compile("Line 1: Safety"))
    expect(line1).to_contain_text("Not matched: names only a major category")
    expect(page.get_by_role("group", name=re.compile("Line 2: Image Formatoin"))).to_contain_text(
        "Very likely"
    )
    assert axe_violations(page) == []
    shot(page, "read-confirm")
    # Correct line 1: the major category alone stands for its one subcategory here.
    line1.get_by_label("Subcategory", exact=True).select_option("Radiation Safety and Dose")
    page.get_by_role("button", name="Save and find courses").click()

    expect(page).to_have_url(re.compile(r"/prescriptions/\d+/$"))
    expect(page.locator("#unmatched-lines")).to_contain_text("Not covered yet: “Cardiac Doppler”")
    expect(page.get_by_text(re.compile("cheapest", re.I)).first).to_be_visible()
    shot(page, "read-bundles")
    prescription = Prescription.objects.get(owner=bob)
    assert sorted(r.subcategory.name for r in prescription.required.all()) == [
        "Image Formation",
        "Radiation Safety and Dose",
    ]


def test_upload_a_pdf(live_server: Any, page: Any) -> None:
    build_catalog()
    log_in(page, live_server, UserFactory(username="bob"))
    page.goto(f"{live_server.url}/prescriptions/read/")
    page.get_by_label("Or upload ARRT's PDF or a text file").set_input_files(
        str(CORPUS / "31_ct_table.pdf")
    )
    page.get_by_role("button", name="Read my prescription").click()
    expect(page.get_by_text("4 lines with credits, 4 matched")).to_be_visible()
    expect(page.get_by_label("Compliance deadline")).to_have_value("2029-01-31")
    shot(page, "read-pdf-confirm")


def test_a_line_not_in_the_outline_goes_to_the_staff_queue_and_comes_back_covered(
    live_server: Any, page: Any
) -> None:
    catalog = build_catalog()
    bob = cast(Any, UserFactory(username="bob"))
    log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/prescriptions/read/")
    page.get_by_label("Paste your prescription").fill(text())
    page.get_by_role("button", name="Read my prescription").click()
    line1 = page.get_by_role("group", name=re.compile("Line 1: Safety"))
    line1.get_by_label("Subcategory", exact=True).select_option("Radiation Safety and Dose")
    line3 = page.get_by_role("group", name=re.compile("Line 3: Cardiac Doppler"))
    line3.get_by_label("Subcategory as written on the prescription").fill("Dose Monitoring")
    page.get_by_role("button", name="Save and find courses").click()
    expect(page.locator("#unmatched-lines")).to_contain_text("Not covered yet: “Dose Monitoring”")
    detail_url = page.url

    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    page.context.clear_cookies()
    log_in(page, live_server, admin)
    page.goto(f"{live_server.url}/admin/prescriptions/unmatchedline/")
    row = page.get_by_role("row", name=re.compile("Dose Monitoring"))
    expect(row).to_contain_text("1")
    shot(page, "unmatched-queue")
    row.get_by_label(re.compile("Map “Dose Monitoring”")).select_option("Radiation Safety and Dose")
    row.get_by_role("button", name="Map and re-plan").click()
    expect(page.get_by_text(re.compile("now stands for Radiation Safety and Dose"))).to_be_visible()
    assert SubcategoryAlias.objects.filter(
        alias="Dose Monitoring", subcategory__name="Radiation Safety and Dose"
    ).exists()

    page.context.clear_cookies()
    log_in(page, live_server, bob)
    page.goto(detail_url)
    expect(page.locator("#unmatched-lines")).to_contain_text(
        "“Dose Monitoring” (0.50 credits) is now covered"
    )
    shot(page, "unmatched-covered")
    prescription = Prescription.objects.get(owner=bob)
    dose = prescription.required.get(
        subcategory__outline=catalog.outline, subcategory__name="Radiation Safety and Dose"
    )
    assert str(dose.credits) == "2.00"  # 1.50 read + 0.50 mapped
