"""Dates that mean what they say, in a real chromium: a past deadline refused on its
field and kept as history once marked completed; a webinar that takes place on its day;
the least weekly hours when too few are given (screenshots with CQR_SHOTS=dir)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import Course
from plans.models import PlanItem
from prescriptions.models import Prescription
from tests.browser.conftest import SHOTS, shot
from tests.browser.test_technologist import assert_accessible, log_in
from tests.integration.web.conftest import build_catalog, make_prescription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_past_deadline_is_refused_then_kept_as_history(
    live_server: Any, page: Any, bob: Any
) -> None:
    build_catalog()
    today = timezone.localdate()
    log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/prescriptions/new/?discipline=CT")
    page.get_by_label("Image Formation", exact=True).fill("3")
    page.get_by_label("Issued on").fill((today - timedelta(days=900)).isoformat())
    page.get_by_label("Deadline").fill((today - timedelta(days=10)).isoformat())
    page.get_by_role("button", name="Save and find courses").click()

    error = page.locator("#id_deadline_error")
    expect(error).to_contain_text("has passed: nothing can be planned for it")
    expect(page.get_by_label("Deadline")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "form with a past deadline")
    shot(page, "dates-past-deadline-form")
    assert not Prescription.objects.exists()

    page.get_by_label(re.compile("I have completed this prescription")).check()
    page.get_by_role("button", name="Save and find courses").click()
    expect(page.get_by_role("heading", name="Completed — kept as history")).to_be_visible()
    assert_accessible(page, "completed prescription")
    shot(page, "dates-completed-detail")
    prescription = Prescription.objects.get(owner=bob)
    assert prescription.is_completed and not prescription.runs.exists()


def test_a_webinar_takes_place_on_its_day_and_waits_for_it_to_be_marked_done(
    live_server: Any, page: Any, bob: Any
) -> None:
    catalog = build_catalog()
    day = timezone.localdate() + timedelta(days=40)
    Course.objects.filter(pk=catalog.image.pk).update(format="webinar", event_date=day)
    prescription = make_prescription(bob, hours_per_week="1")
    log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/prescriptions/{prescription.pk}/")
    when = f"{day:%b} {day.day}, {day.year}"
    expect(page.get_by_text(f"Takes place on {when}").first).to_be_visible()
    assert_accessible(page, "bundles with a webinar")
    shot(page, "dates-webinar-bundles")

    page.get_by_role("button", name=re.compile(r"Choose this bundle \(1\.")).click()
    item = page.locator(f"#item-{PlanItem.objects.get(course=catalog.image).pk}")
    expect(item).to_contain_text(f"Takes place on {when}: you can mark it done from that day.")
    expect(item.get_by_role("button", name=re.compile("Mark done"))).to_have_count(0)
    assert_accessible(page, "plan with a webinar")
    shot(page, "dates-webinar-plan")
    if SHOTS:
        pdf = page.request.get(f"{live_server.url}/prescriptions/{prescription.pk}/plan.pdf")
        (Path(SHOTS) / "dates-webinar-plan.pdf").write_bytes(pdf.body())


def test_too_few_weekly_hours_get_the_least_that_would_do(
    live_server: Any, page: Any, bob: Any
) -> None:
    build_catalog()
    soon = (timezone.localdate() + timedelta(days=14)).isoformat()
    prescription = make_prescription(bob, deadline=soon, hours_per_week="0.5")
    least = prescription.runs.get().result["least_hours_per_week"]["hours_per_week"]
    log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/prescriptions/{prescription.pk}/")
    hint = page.locator("#hours-hint")
    expect(hint).to_contain_text(f"The least that makes a plan possible is {least} hours a week")
    expect(hint).to_contain_text("Starting later would not help")
    assert_accessible(page, "bundles page with the weekly-hours hint")
    shot(page, "dates-least-hours")
