"""Dates that mean what they say, in a real chromium: a past deadline refused on its
field and kept as history once marked completed (screenshots with CQR_SHOTS=dir)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from prescriptions.models import Prescription
from tests.browser.conftest import shot
from tests.browser.test_technologist import assert_accessible, log_in
from tests.web.conftest import build_catalog

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
