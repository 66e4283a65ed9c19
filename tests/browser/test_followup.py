"""After the plan, in a real chromium: a certificate attached to a done course, then a
catalog price cut raises the cheaper-plan banner and one click switches, keeping the done
course; the private calendar link made on the plan page (screenshots with CQR_SHOTS=dir)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from catalog.services import catalog_record_change
from matching.services.staleness import replan_stale
from plans import services
from plans.models import Plan, PlanItem
from tests.browser.conftest import axe_violations, shot
from tests.browser.test_technologist import log_in
from tests.integration.web.conftest import build_catalog, make_prescription
from tests.integration.web.test_plan import best_bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_price_cut_raises_the_banner_and_one_click_switches_keeping_done_courses(
    live_server: Any, page: Any, bob: Any, tmp_path: Path, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    bob.email = "bob@example.org"
    bob.save()
    catalog = build_catalog()
    catalog.pack.is_active = False
    catalog.pack.save()
    prescription = make_prescription(bob)
    services.plan_choose(prescription=prescription, bundle=best_bundle(prescription))
    log_in(page, live_server, bob)
    plan_url = f"{live_server.url}/prescriptions/{prescription.pk}/plan/"

    # Mark the dose course done with its certificate, in the browser.
    page.goto(plan_url)
    dose = PlanItem.objects.get(plan__prescription=prescription, course=catalog.dose)
    item = page.locator(f"#item-{dose.pk}")
    item.get_by_label("Completed on").fill(timezone.localdate().isoformat())
    certificate = tmp_path / "dose-certificate.pdf"
    certificate.write_bytes(PDF)
    item.get_by_label(re.compile("Certificate")).set_input_files(str(certificate))
    item.get_by_role("button", name=re.compile("Mark done")).click()
    expect(page.get_by_text("Certificate on file: download dose-certificate.pdf")).to_be_visible()
    shot(page, "plan-certificate")

    # A provider cuts a price; the beat recomputes the stale run.
    catalog.gage_image.price = Decimal("10.00")
    catalog.gage_image.save()
    catalog_record_change(reason="price cut", providers=[catalog.gage])
    assert replan_stale() == 1

    page.goto(plan_url)
    banner = page.locator("#plan-alert")
    expect(banner).to_contain_text("A cheaper plan is available: save $15.00.")
    expect(banner).to_contain_text("$25.00 instead of $40.00")
    assert axe_violations(page) == []
    shot(page, "plan-alert")
    page.get_by_role("button", name=re.compile("Switch to the new plan")).click()
    switched = "Your plan is now the new bundle. You pay $15.00 less."
    expect(page.get_by_text(switched)).to_be_visible()
    expect(page.locator("#plan-alert")).to_have_count(0)
    expect(page.get_by_text("Certificate on file: download dose-certificate.pdf")).to_be_visible()
    shot(page, "plan-switched")

    plan = Plan.objects.get(prescription=prescription)
    assert {i.course.code: i.status for i in plan.items.all()} == {
        "ahec-ct-dose": PlanItem.Status.DONE,
        "gage-img": PlanItem.Status.PLANNED,
        "gage-img2": PlanItem.Status.PLANNED,
    }


def test_the_plan_page_gives_a_calendar_link_that_works_without_logging_in(
    live_server: Any, page: Any, bob: Any
) -> None:
    build_catalog()
    prescription = make_prescription(bob, hours_per_week="2")
    services.plan_choose(prescription=prescription, bundle=best_bundle(prescription))
    log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/prescriptions/{prescription.pk}/plan/")
    page.locator("#calendar-feed").scroll_into_view_if_needed()
    shot(page, "plan-calendar-offer")
    page.get_by_role("button", name="Make my calendar link").click()
    expect(page.get_by_text("Your calendar link is ready")).to_be_visible()
    field = page.get_by_label("Your private calendar link")
    expect(field).to_have_value(re.compile(r"/followup/calendar/[A-Za-z0-9_-]{43}\.ics$"))
    expect(page.get_by_role("button", name="Copy the link")).to_be_visible()  # with JS
    assert axe_violations(page) == []
    page.locator("#calendar-feed").scroll_into_view_if_needed()
    shot(page, "plan-calendar-link")
    outsider = page.context.browser.new_context()  # no cookies: like a calendar app
    response = outsider.request.get(field.input_value())
    assert response.status == 200
    calendar = Calendar.from_ical(response.body())
    outsider.close()
    assert [e for e in calendar.walk("VEVENT") if list(e.walk("VALARM"))]
