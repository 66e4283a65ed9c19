"""Adding a course you found yourself, in a real chromium: the form by its labels, a
mistake shown on its field, then the course in your bundles and plan as "added by you"."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import expect

from catalog.models import Course
from tests.browser.conftest import SHOTS, axe_violations, shot
from tests.browser.test_technologist import log_in
from tests.factories import UserFactory
from tests.integration.web.conftest import build_catalog, make_prescription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_technologist_adds_a_course_and_plans_with_it(live_server: Any, page: Any) -> None:
    build_catalog()
    erin = cast(User, UserFactory(username="erin"))
    log_in(page, live_server, erin)

    page.goto(f"{live_server.url}{reverse('prescriptions:list')}")
    page.get_by_role("link", name="Courses you added").click()
    page.get_by_role("link", name="Add a course").click()
    page.get_by_label("Course title").fill("Hospital CT in-service")
    page.get_by_label("Provider").fill("St. Mary's Imaging Education")
    page.get_by_label("Link to the course").fill("https://stmarys.example.org/ct")
    page.get_by_label("Format").select_option("online")
    page.get_by_label("Price (US$)").fill("5")
    page.get_by_label("CE credits").fill("4")
    page.get_by_label("Subcategory, row 1").select_option(label="Image Formation")
    page.get_by_label("Credits, row 1").fill("3")
    page.get_by_label("Subcategory, row 2").select_option(label="Radiation Safety and Dose")
    page.get_by_label("Credits, row 2").fill("1.5")
    page.get_by_role("button", name="Add the course").click()

    # 4.50 credits in CT are more than the 4 CE credits: the message is on the rows.
    error = page.locator("#distribution_error")
    expect(error).to_contain_text("exceed the course's 4.00 CE credits (CT 4.50)")
    assert not Course.all_courses.filter(owner=erin).exists()
    shot(page, "private-course-form-error")
    assert axe_violations(page) == []
    page.get_by_label("CE credits").fill("4.5")
    shot(page, "private-course-form")
    page.get_by_role("button", name="Add the course").click()

    expect(page.get_by_role("heading", name="Courses you added")).to_be_visible()
    expect(page.get_by_role("rowheader", name=re.compile("Hospital CT in-service"))).to_be_visible()
    shot(page, "private-course-list")
    assert axe_violations(page) == []

    prescription = make_prescription(erin)  # eager Celery: computed before it returns
    page.goto(f"{live_server.url}{reverse('prescriptions:detail', args=[prescription.pk])}")
    expect(page.get_by_text("added by you").first).to_be_visible()
    expect(page.get_by_text("$5.00").first).to_be_visible()
    shot(page, "private-course-bundles")
    page.get_by_role("button", name=re.compile(r"Choose this bundle \(1\.")).click()
    item = page.locator(".check-item", has_text="Hospital CT in-service")
    expect(item.get_by_text("added by you")).to_be_visible()
    shot(page, "private-course-plan")
    assert axe_violations(page) == []
    pdf = page.request.get(
        f"{live_server.url}{reverse('prescriptions:plan_pdf', args=[prescription.pk])}"
    )
    assert pdf.headers["content-type"] == "application/pdf"
    if SHOTS:
        (Path(SHOTS) / "private-course-plan.pdf").write_bytes(pdf.body())
