"""The catalog's filters and the prescription form's first step, with and without
JavaScript, in a real chromium: the subcategory picker follows the discipline, an unknown
discipline is explained, and the no-JavaScript step keeps the CSRF token out of the URL."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, shot
from tests.browser.test_technologist import log_in
from tests.factories import make_outline
from tests.integration.web.conftest import build_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

R_OUTLINE = {"Procedures": ["Extremity Procedures", "Spine Procedures"]}


def subcategory_options(page: Any) -> list[str]:
    return page.locator("#id_subcategory option").all_inner_texts()


def test_the_subcategory_picker_follows_the_discipline_with_htmx(
    live_server: Any, page: Any
) -> None:
    build_catalog()
    make_outline("R", "Radiography", R_OUTLINE)
    page.goto(f"{live_server.url}/catalog/")
    assert "Extremity Procedures" in subcategory_options(page)

    page.get_by_label("Discipline").select_option("R")
    expect(page.locator("#id_subcategory option").first).to_have_text("All R subcategories")
    assert subcategory_options(page) == [
        "All R subcategories",
        "Extremity Procedures",
        "Spine Procedures",
    ]
    expect(page).to_have_url(re.compile(r"discipline=R"))

    # Choosing a subcategory swaps the picker again; the keyboard focus stays on it.
    page.get_by_label("Subcategory").focus()
    page.get_by_label("Subcategory").select_option(label="Spine Procedures")
    expect(page).to_have_url(re.compile(r"subcategory=\d+"))
    expect(page.get_by_label("Subcategory")).to_be_focused()
    expect(page.get_by_label("Subcategory")).to_have_value(
        page.get_by_label("Subcategory").locator("option", has_text="Spine").get_attribute("value")
        or ""
    )
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/catalog/?discipline=ZZ")
    expect(page.get_by_role("alert")).to_contain_text("no discipline has the code “ZZ”")
    assert axe_violations(page) == []


def test_without_javascript_the_filters_narrow_after_submitting(
    live_server: Any, browser: Any
) -> None:
    build_catalog()
    make_outline("R", "Radiography", R_OUTLINE)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/catalog/")
    page.get_by_label("Discipline").select_option("CT")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"discipline=CT"))
    options = subcategory_options(page)
    assert options[0] == "All CT subcategories"
    assert "Image Formation" in options
    assert "Extremity Procedures" not in options

    page.goto(f"{live_server.url}/catalog/?discipline=ZZ")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("no discipline has the code “ZZ”")
    shot(page, "catalog-unknown-discipline")  # (axe needs JavaScript: checked above)
    context.close()


def test_without_javascript_show_the_requirement_keeps_the_token_out_of_the_url(
    live_server: Any, browser: Any, bob: Any
) -> None:
    build_catalog()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/prescriptions/new/")
    page.get_by_label("Name for this prescription").fill("No-script CT")
    page.get_by_label("Discipline").select_option("CT")
    page.get_by_role("button", name="Show the requirement").click()

    expect(page.get_by_label("Image Formation", exact=True)).to_be_visible()
    assert "csrfmiddlewaretoken" not in page.url
    assert page.url == f"{live_server.url}/prescriptions/new/"
    expect(page.get_by_label("Name for this prescription")).to_have_value("No-script CT")
    expect(page.locator(".error-summary, .field-error")).to_have_count(0)

    today = timezone.localdate()
    page.get_by_label("Image Formation", exact=True).fill("3")
    page.get_by_label("Issued on").fill((today - timedelta(days=20)).isoformat())
    page.get_by_label("Deadline").fill((today + timedelta(days=400)).isoformat())
    page.get_by_role("button", name="Save and find courses").click()
    expect(page).to_have_url(re.compile(r"/prescriptions/\d+/$"))
    # Celery is eager here: the bundles are shown, and the message says only what happened.
    expect(page.locator(".messages")).to_have_text("Prescription saved.")
    expect(page.get_by_role("heading", name=re.compile("cheapest"))).to_be_visible()
    shot(page, "bundles-after-no-script-save")
    context.close()
