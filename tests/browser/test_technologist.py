"""The technologist's journey in a real chromium (Playwright), keyboard use and axe-core.

Celery is eager in tests: saving a prescription computes its run before the redirect.
The live progress UI is exercised with a run left queued, finished from the test.
"""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from matching.models import MatchingRun
from matching.services.runs import run_execute
from prescriptions.models import Prescription
from tests.browser.conftest import axe_violations, shot, tab_to
from tests.integration.web.conftest import add_course, build_catalog, make_prescription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, live_server: Any, user: Any) -> None:
    """Reuse a Django session in the browser (the journey test logs in through the UI)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def assert_accessible(page: Any, name: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{name}: {violations}"


def test_a_new_technologist_plans_prints_and_tracks_a_ct_prescription(
    live_server: Any, page: Any, tmp_path: Path
) -> None:
    catalog = build_catalog()
    today = timezone.localdate()

    # Sign up.
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill("dana")
    page.get_by_label("E-mail").fill("dana@example.org")
    page.get_by_label("Password", exact=True).fill("a-long-passphrase-42")
    page.get_by_label("Password confirmation").fill("a-long-passphrase-42")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/prescriptions/new/$"))
    # The URL changes when the redirect commits; htmx (deferred) binds the discipline
    # select only once the page has loaded, so a change before that would go unseen.
    page.wait_for_load_state()

    # Enter a CT prescription: choosing the discipline swaps the subcategories in (htmx).
    page.get_by_label("Discipline").select_option("CT")
    expect(page.get_by_label("Image Formation", exact=True)).to_be_visible()
    page.get_by_label("Image Formation", exact=True).fill("3")
    page.get_by_label("Radiation Safety and Dose").fill("1.5")
    page.get_by_label("Name for this prescription").fill("CT CQR 2027")
    page.get_by_label("Issued on").fill((today - timedelta(days=40)).isoformat())
    page.get_by_label("Deadline").fill((today + timedelta(days=420)).isoformat())
    page.get_by_label("Study hours per week").fill("3")
    shot(page, "prescription-form")
    assert_accessible(page, "prescription form")
    page.get_by_role("button", name="Save and find courses").click()

    # Bundles, cheapest first, with the alternatives side by side.
    expect(
        page.get_by_role("heading", name=re.compile("cheapest first|cheapest bundle"))
    ).to_be_visible()
    expect(page.get_by_text("$50.00").first).to_be_visible()
    shot(page, "bundles")
    assert_accessible(page, "bundles page")
    prescription = Prescription.objects.get(owner__username="dana")

    # Choose the cheapest bundle: the plan is a checklist.
    page.get_by_role("button", name=re.compile(r"Choose this bundle \(1\.")).click()
    expect(page.get_by_role("heading", name="Your plan: 0 of 2 courses done")).to_be_visible()

    # The PDF of the plan.
    response = page.request.get(f"{live_server.url}/prescriptions/{prescription.pk}/plan.pdf")
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "CE plan" in text and "CT Dose in Practice" in text and "$50.00" in text

    # Mark a course done (today's date is prefilled), then re-plan the rest.
    item = page.locator(".check-item", has_text="CT Dose in Practice")
    item.get_by_role("button", name=re.compile("Mark done")).click()
    expect(page.get_by_role("heading", name="Your plan: 1 of 2 courses done")).to_be_visible()
    expect(page.get_by_text("3.00 in Image Formation")).to_be_visible()
    shot(page, "plan")
    assert_accessible(page, "plan page")
    page.get_by_role("button", name="Re-plan the rest").click()
    expect(page.get_by_text("Your completed courses now count")).to_be_visible()
    expect(page.get_by_text("$40.00").first).to_be_visible()
    assert list(prescription.completed_courses.all()) == [catalog.dose]
    shot(page, "bundles-after-replan")
    page.get_by_role("link", name="My prescriptions").first.click()
    expect(page.get_by_role("link", name="CT CQR 2027")).to_be_visible()
    shot(page, "prescriptions-list")


def test_progress_is_shown_live_until_the_run_finishes(
    live_server: Any, page: Any, bob: Any
) -> None:
    build_catalog()
    prescription = make_prescription(bob)
    run = MatchingRun.objects.create(prescription=prescription)  # queued, nobody runs it
    log_in(page, live_server, bob)

    page.goto(f"{live_server.url}/prescriptions/{prescription.pk}/")
    status = page.locator("#run-status")
    expect(status).to_contain_text("Queued — waiting for a worker to start.")
    expect(status).to_have_attribute("hx-trigger", "every 1s")
    shot(page, "bundles-progress")

    run_execute(run_id=run.pk)  # the worker finishes; the page reloads itself
    expect(page.get_by_role("heading", name=re.compile("cheapest first"))).to_be_visible(
        timeout=5000
    )
    expect(page.locator("[hx-trigger='every 1s']")).to_have_count(0)


def test_the_prescription_form_works_with_the_keyboard_only(
    live_server: Any, page: Any, bob: Any
) -> None:
    build_catalog()
    log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/prescriptions/new/")
    keyboard = page.keyboard

    tab_to(page, "#id_discipline")
    keyboard.type("C")  # typeahead picks "CT – Computed Tomography"; htmx swaps the fields
    expect(page.locator("#credits-section")).to_be_visible()
    image = page.get_by_label("Image Formation", exact=True).get_attribute("id")
    dose = page.get_by_label("Radiation Safety and Dose").get_attribute("id")

    tab_to(page, "#id_title")
    keyboard.type("Keyboard prescription")
    tab_to(page, f"#{dose}")
    keyboard.type("1")
    tab_to(page, f"#{image}")
    keyboard.type("2.5")
    issued = timezone.localdate() - timedelta(days=10)
    deadline = timezone.localdate() + timedelta(days=300)
    tab_to(page, "#id_issued_on")
    keyboard.type(issued.strftime("%m%d%Y"))
    tab_to(page, "#id_deadline")
    keyboard.type(deadline.strftime("%m%d%Y"))
    # The course picker: type to search, the matching suggestion selects the course.
    tab_to(page, "#id_completed_search")
    keyboard.type("Pixels")
    expect(page.locator("#id_completed_options option")).to_have_count(1)
    keyboard.type(", Voxels and Matrices — Gage CE (gage-img2)")
    expect(page.get_by_role("list", name="Chosen courses")).to_contain_text("Pixels, Voxels")
    tab_to(page, "#id_share_anonymously")
    keyboard.press("Space")
    expect(page.locator("#id_share_anonymously")).to_be_checked()
    tab_to(page, "button.button-primary[type=submit]")
    keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/prescriptions/\d+/$"))
    prescription = Prescription.objects.get(owner=bob)
    assert prescription.title == "Keyboard prescription"
    assert (prescription.issued_on, prescription.deadline) == (issued, deadline)
    assert prescription.share_anonymously is True
    assert [c.code for c in prescription.completed_courses.all()] == ["gage-img2"]
    assert sorted((r.subcategory.name, str(r.credits)) for r in prescription.required.all()) == [
        ("Image Formation", "2.50"),
        ("Radiation Safety and Dose", "1.00"),
    ]


def test_the_public_pages_errors_and_an_infeasible_prescription_pass_axe(
    live_server: Any, page: Any, bob: Any
) -> None:
    catalog = build_catalog()
    add_course(
        catalog.gage,
        "gage-neck-2019",
        {"Neck and Chest": Decimal("1.50")},
        title="Chest CT Protocols (2019 edition)",
        approval_expires=timezone.localdate() - timedelta(days=30),
    )
    infeasible = make_prescription(
        bob, required=[{"category": "Neck and Chest", "credits": "2.0"}], title="Neck CT"
    )
    page.goto(f"{live_server.url}/")
    assert_accessible(page, "home")
    page.goto(f"{live_server.url}/catalog/")
    assert_accessible(page, "catalog")

    log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/prescriptions/{infeasible.pk}/")
    expect(page.get_by_text("Neck and Chest needs 2.00 credits")).to_be_visible()
    expect(
        page.get_by_text("1 course was left out because its ARRT approval expired")
    ).to_be_visible()
    shot(page, "bundles-infeasible")
    assert_accessible(page, "infeasible bundles page")

    page.goto(f"{live_server.url}/prescriptions/new/?discipline=CT")
    page.get_by_role("button", name="Save and find courses").click()
    summary = page.get_by_role("alert").filter(has_text="Please fix the following")
    expect(summary).to_be_visible()
    summary.get_by_role("link", name=re.compile("^Issued on")).click()
    expect(page.locator("#id_issued_on")).to_be_focused()
    shot(page, "prescription-form-errors")
    assert_accessible(page, "prescription form with errors")
