"""Hostile input on the web pages: the JSON import (pasted and uploaded), the prescription
forms, uploads over their limit, and stored text the calendar must still write."""

from __future__ import annotations

import json
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from icalendar import Calendar

from prescriptions.models import Prescription
from tests.integration.web.conftest import document

pytestmark = pytest.mark.django_db

IMPORT = reverse("prescriptions:import")


def post_import(client: Any, data: dict[str, Any]) -> str:
    response = client.post(IMPORT, data)
    assert response.status_code == 400
    assert not Prescription.objects.exists()
    return unescape(response.content.decode())


def test_pasted_deep_nesting_is_refused_naming_the_path(client, bob, catalog) -> None:
    client.force_login(bob)
    html = post_import(client, {"text": "[" * 100_000 + "]" * 100_000})
    assert "This JSON is refused: [0][0][0]" in html
    assert "nested more than 32 levels deep" in html


def test_an_uploaded_lone_surrogate_is_refused_naming_the_field(client, bob, catalog) -> None:
    client.force_login(bob)
    text = json.dumps(document(completed=["ahec-ct-dose\ud800"]))
    upload = SimpleUploadedFile("rx.json", text.encode(), content_type="application/json")
    html = post_import(client, {"file": upload})
    assert "Completed courses, line 1: contains a lone surrogate (\\ud800)" in html


def test_a_pasted_control_character_is_refused_naming_the_field(client, bob, catalog) -> None:
    client.force_login(bob)
    html = post_import(client, {"text": json.dumps(document(hours_per_week="3\u0000"))})
    assert "Hours per week: contains a NUL character (\\u0000)" in html


def test_a_title_with_a_control_character_is_refused_on_the_import_form(
    client, bob, catalog
) -> None:
    client.force_login(bob)
    html = post_import(client, {"text": json.dumps(document()), "title": "My\u0007CQR"})
    assert "This text contains a control character (\\u0007), which is not allowed." in html


def test_a_title_with_a_line_break_is_refused_on_the_entry_form(client, bob, catalog) -> None:
    client.force_login(bob)
    response = client.post(
        reverse("prescriptions:new"), {"discipline": "CT", "title": "CT CQR\r\nSecond line"}
    )
    assert response.status_code in (200, 400)
    assert "This text must be a single line (no line breaks or tabs)." in unescape(
        response.content.decode()
    )
    assert not Prescription.objects.exists()


def test_an_oversized_upload_is_a_413_with_the_limit(client, bob, settings) -> None:
    settings.PRESCRIPTION_UPLOAD_MAX_BYTES = 1024
    client.force_login(bob)
    upload = SimpleUploadedFile("rx.json", b" " * 200_000, content_type="application/json")
    response = client.post(IMPORT, {"file": upload})
    assert response.status_code == 413
    html = unescape(response.content.decode())
    assert "The request is too large: the limit is 1.0 KB and this one is" in html
    again = SimpleUploadedFile("rx.txt", b" " * 200_000, content_type="text/plain")
    read = client.post(reverse("prescriptions:read"), {"file": again, "text": ""})
    assert read.status_code == 413


def test_any_other_form_has_the_general_limit(client, bob, settings) -> None:
    settings.CQR_WEB_FORM_MAX_BYTES = 4096
    client.force_login(bob)
    response = client.post(reverse("prescriptions:new"), {"title": "x" * 10_000})
    assert response.status_code == 413
    assert "the limit is 4.0 KB" in response.content.decode()


def test_the_calendar_writes_a_stored_title_with_line_breaks(client, bob, bob_prescription) -> None:
    # Stored before titles were checked (or by the admin): the calendar must still work.
    Prescription.objects.filter(pk=bob_prescription.pk).update(title="CT\r\nCQR\u0007 2027")
    client.force_login(bob)
    response = client.get(reverse("prescriptions:plan_ics", args=[bob_prescription.pk]))
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "CQR plan: CT CQR 2027"
    summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert "CQR deadline: CT CQR 2027" in summaries
