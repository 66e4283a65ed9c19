"""Entering a prescription: the two-step form, its validation messages, and JSON import."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts import services
from catalog.models import Subcategory
from matching.models import MatchingRun
from plans.views import SHOW_STEP
from prescriptions.models import Prescription
from tests.factories import make_outline
from tests.integration.web.conftest import document

pytestmark = pytest.mark.django_db


def sub_id(name: str) -> int:
    return Subcategory.objects.get(name=name, outline__is_current=True).pk


def form_data(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data: dict[str, Any] = {
        "discipline": "CT",
        "title": "My CT CQR",
        "issued_on": (today - timedelta(days=30)).isoformat(),
        "deadline": (today + timedelta(days=500)).isoformat(),
        "as_of": "",
        "hours_per_week": "2",
        "formats": ["online", "home-study", "webinar", "live"],
        f"credits_{sub_id('Image Formation')}": "3",
        f"credits_{sub_id('Radiation Safety and Dose')}": "1.5",
    }
    data.update(overrides)
    return data


class TestTheForm:
    def test_without_a_discipline_it_asks_for_one_first(self, client, bob, catalog):
        client.force_login(bob)
        html = client.get(reverse("prescriptions:new")).content.decode()
        assert "Choose your discipline above" in html
        assert "credits_" not in html

    def test_the_second_step_lists_subcategories_grouped_by_major_category(
        self, client, bob, catalog
    ):
        client.force_login(bob)
        html = client.get(reverse("prescriptions:new") + "?discipline=CT").content.decode()
        assert "<legend>Safety</legend>" in html
        assert "<legend>Image Production</legend>" in html
        assert f'id="id_credits_{sub_id("Image Formation")}"' in html
        assert 'step="0.25"' in html
        assert "Inferred outline" not in html  # the CT outline is confirmed

    def test_an_inferred_outline_is_flagged(self, client, bob, catalog):
        outline = make_outline(code="MR", name="Magnetic Resonance Imaging")
        outline.confirmed = False
        outline.save()
        client.force_login(bob)
        response = client.get(reverse("prescriptions:discipline_fields") + "?discipline=MR")
        assert (
            "Inferred outline — check against your ARRT prescription." in response.content.decode()
        )

    def test_the_htmx_partial_holds_the_discipline_fields_only(self, client, bob, catalog):
        client.force_login(bob)
        response = client.get(
            reverse("prescriptions:discipline_fields") + "?discipline=CT", HTTP_HX_REQUEST="true"
        )
        html = response.content.decode()
        assert "<html" not in html
        assert "Radiation Safety and Dose" in html
        assert catalog.dose.title in html  # the completed/owned pickers list CT courses

    def test_show_the_requirement_posts_back_without_saving_or_errors(self, client, bob, catalog):
        client.force_login(bob)
        html = client.get(reverse("prescriptions:new")).content.decode()
        button = re.search(r"<button[^>]*>Show the requirement</button>", html)
        assert button is not None
        assert "formmethod" not in button.group(0)  # a GET would put the CSRF token in the URL
        assert f'name="{SHOW_STEP}"' in button.group(0)
        issued = (timezone.localdate() - timedelta(days=10)).isoformat()
        response = client.post(
            reverse("prescriptions:new"),
            {"discipline": "CT", "issued_on": issued, "title": "Mine", SHOW_STEP: "1"},
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert f'id="id_credits_{sub_id("Image Formation")}"' in html  # the requirement shows
        assert f'value="{issued}"' in html  # what was typed is kept
        assert 'value="Mine"' in html
        assert "field-error" not in html and "error-summary" not in html
        assert not Prescription.objects.exists()

    def test_an_unknown_discipline_in_the_address_says_so(self, client, bob, catalog):
        client.force_login(bob)
        html = unescape(
            client.get(reverse("prescriptions:new") + "?discipline=ZZ").content.decode()
        )
        assert "No discipline has the code “ZZ”. Choose yours from the list." in html
        assert 'aria-invalid="true"' in html

    def test_a_valid_form_saves_the_prescription_and_computes_bundles(
        self, client, bob, catalog, django_capture_on_commit_callbacks
    ):
        client.force_login(bob)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("prescriptions:new"),
                form_data(completed=[catalog.gage_small.pk], exclude_providers=[catalog.gage.pk]),
            )
        prescription = Prescription.objects.get(owner=bob)
        assert response.status_code == 302
        assert response["Location"] == reverse("prescriptions:detail", args=[prescription.pk])
        assert prescription.title == "My CT CQR"
        assert prescription.as_of is None  # plans from "today" on every run
        assert {(r.subcategory.name, str(r.credits)) for r in prescription.required.all()} == {
            ("Image Formation", "3.00"),
            ("Radiation Safety and Dose", "1.50"),
        }
        assert list(prescription.completed_courses.all()) == [catalog.gage_small]
        assert list(prescription.excluded_providers.all()) == [catalog.gage]
        assert prescription.share_anonymously is False
        run = MatchingRun.objects.get(prescription=prescription)
        assert run.status == MatchingRun.Status.DONE

    def test_credits_off_the_quarter_steps_are_rejected_inline_and_in_the_summary(
        self, client, bob, catalog
    ):
        client.force_login(bob)
        field = f"credits_{sub_id('Image Formation')}"
        response = client.post(reverse("prescriptions:new"), form_data(**{field: "1.1"}))
        html = response.content.decode()
        assert response.status_code == 400
        message = "Use steps of 0.25 credits (for example 1.25 or 1.50), not 1.1."
        assert html.count(message) == 2  # next to the field and in the summary
        assert f"Image Formation: {message}" in html  # the summary names the field once
        assert "Image Formation: Image Formation" not in html
        assert f'href="#id_{field}"' in html
        assert f'aria-describedby="id_{field}_error"' in html
        assert not Prescription.objects.exists()

    def test_a_deadline_before_the_issue_date_is_explained(self, client, bob, catalog):
        client.force_login(bob)
        response = client.post(
            reverse("prescriptions:new"),
            form_data(issued_on="2026-10-01", deadline="2026-09-01"),
        )
        html = response.content.decode()
        assert (
            "The deadline (Sep 1, 2026) is before the issue date (Oct 1, 2026); "
            "it must be on or after it."
        ) in html
        assert 'href="#id_deadline"' in html

    def test_at_least_one_subcategory_needs_credits(self, client, bob, catalog):
        client.force_login(bob)
        data = form_data()
        for key in [k for k in data if k.startswith("credits_")]:
            data[key] = ""
        html = client.post(reverse("prescriptions:new"), data).content.decode()
        assert "Enter the credits of at least one subcategory" in html
        assert 'href="#credits-section"' in html

    def test_a_negative_credit_is_its_own_error_only(self, client, bob, catalog):
        client.force_login(bob)
        data = form_data()
        for key in [k for k in data if k.startswith("credits_")]:
            data[key] = ""
        field = f"credits_{sub_id('Image Formation')}"
        data[field] = "-1"
        html = client.post(reverse("prescriptions:new"), data).content.decode()
        assert "Image Formation: Enter 0 or more credits" in html
        assert "Enter the credits of at least one subcategory" not in html

    def test_a_course_cannot_be_both_completed_and_owned(self, client, bob, catalog):
        client.force_login(bob)
        data = form_data(completed=[catalog.dose.pk], owned=[catalog.dose.pk])
        html = client.post(reverse("prescriptions:new"), data).content.decode()
        assert "CT Dose in Practice: already completed" in html

    def test_the_course_search_returns_datalist_options_for_the_discipline(
        self, client, bob, catalog
    ):
        client.force_login(bob)
        response = client.get(
            reverse("prescriptions:course_search"), {"discipline": "CT", "q": "dose"}
        )
        html = response.content.decode()
        assert f'data-id="{catalog.dose.pk}"' in html
        assert f'data-id="{catalog.gage_dose.pk}"' in html
        assert f'data-id="{catalog.image.pk}"' not in html


class TestImport:
    def test_a_pasted_document_is_imported(
        self, client, bob, catalog, django_capture_on_commit_callbacks
    ):
        client.force_login(bob)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("prescriptions:import"),
                {
                    "text": json.dumps(document(as_of=timezone.localdate().isoformat())),
                    "title": "Imported",
                },
            )
        prescription = Prescription.objects.get(owner=bob)
        assert response.status_code == 302
        assert prescription.title == "Imported"
        assert prescription.as_of == timezone.localdate()
        assert prescription.runs.get().status == MatchingRun.Status.DONE

    def test_an_uploaded_file_is_imported(self, client, bob, catalog):
        client.force_login(bob)
        upload = SimpleUploadedFile(
            "rx.json", json.dumps(document()).encode(), content_type="application/json"
        )
        response = client.post(reverse("prescriptions:import"), {"file": upload})
        assert response.status_code == 302
        assert Prescription.objects.get(owner=bob).as_of is None

    def test_malformed_json_names_the_line_and_column(self, client, bob, catalog):
        client.force_login(bob)
        response = client.post(reverse("prescriptions:import"), {"text": '{"format": '})
        assert response.status_code == 400
        assert "This is not valid JSON: Expecting value at line 1, column 12." in (
            response.content.decode()
        )

    def test_each_document_error_is_listed_and_nothing_is_saved(self, client, bob, catalog):
        client.force_login(bob)
        bad = document(required=[{"category": "Foo", "credits": "-1"}], completed=["nope"])
        response = client.post(reverse("prescriptions:import"), {"text": json.dumps(bad)})
        html = unescape(response.content.decode())
        assert response.status_code == 400
        assert (
            'Required credits, line 1, subcategory: unknown subcategory "Foo" for discipline CT'
            in html
        )
        assert "Required credits, line 1, credits: must be a positive number" in html
        assert 'Completed courses, line 1: unknown course code "nope"' in html
        assert "required[" not in html
        assert 'href="#id_text"' in html
        assert not Prescription.objects.exists()

    def test_document_errors_are_listed_in_document_order(self, client, bob, catalog):
        client.force_login(bob)
        # Row 1's missing name is found before row 0's unknown subcategory is looked up.
        bad = document(required=[{"category": "Foo", "credits": "1"}, {"credits": "1"}])
        response = client.post(reverse("prescriptions:import"), {"text": json.dumps(bad)})
        errors = response.context["document_errors"]
        assert [error.split(":")[0] for error in errors] == [
            "Required credits, line 1, subcategory",
            "Required credits, line 2, subcategory",
        ]

    def test_a_too_large_file_is_refused_with_the_limit(self, client, bob, catalog, settings):
        settings.PRESCRIPTION_UPLOAD_MAX_BYTES = 1024
        client.force_login(bob)
        upload = SimpleUploadedFile("rx.json", b" " * 2048, content_type="application/json")
        response = client.post(reverse("prescriptions:import"), {"file": upload})
        assert response.status_code == 400
        assert "the limit is 1.0 KB and this file is 2.0 KB" in response.content.decode()

    def test_while_the_run_waits_for_a_worker_the_message_says_computing(
        self, client, bob, catalog, django_capture_on_commit_callbacks
    ):
        client.force_login(bob)
        with django_capture_on_commit_callbacks(execute=False):  # the run stays queued
            response = client.post(
                reverse("prescriptions:import"), {"text": json.dumps(document())}, follow=True
            )
        assert "Prescription imported. Computing your bundles…" in response.content.decode()

    @pytest.mark.django_db(transaction=True)
    def test_a_saved_import_does_not_say_it_is_still_computing_once_done(
        self, client, bob, catalog
    ):
        # Committed for real: without a broker the run is computed as the import commits.
        client.force_login(bob)
        response = client.post(
            reverse("prescriptions:import"), {"text": json.dumps(document())}, follow=True
        )
        html = response.content.decode()
        assert MatchingRun.objects.get().status == MatchingRun.Status.DONE
        assert "Prescription imported." in html
        assert "Computing your bundles" not in html
        again = client.get(response.redirect_chain[-1][0]).content.decode()
        assert "Prescription imported." not in again

    def test_it_needs_a_file_or_text(self, client, bob, catalog):
        client.force_login(bob)
        response = client.post(reverse("prescriptions:import"), {})
        assert "Upload a JSON file or paste the JSON document." in response.content.decode()


def test_the_list_shows_deadline_run_status_and_plan_progress(client, bob, bob_prescription):
    client.force_login(bob)
    html = client.get(reverse("prescriptions:list")).content.decode()
    assert str(bob_prescription) in html
    assert bob_prescription.deadline.strftime("%b") in html
    assert "Ready" in html
    assert "No plan chosen yet" in html


def test_the_prescription_downloads_as_a_document_that_imports_again(client, bob, bob_prescription):
    client.force_login(bob)
    response = client.get(reverse("prescriptions:json", args=[bob_prescription.pk]))
    data = json.loads(response.content)
    assert data["format"] == "cqr-prescription/1"
    assert "as_of" not in data
    assert {r["category"] for r in data["required"]} == {
        "Image Formation",
        "Radiation Safety and Dose",
    }


def test_edit_updates_the_prescription_and_queues_a_new_run(
    client, bob, bob_prescription, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    page = client.get(reverse("prescriptions:edit", args=[bob_prescription.pk]))
    assert 'value="3.00"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("prescriptions:edit", args=[bob_prescription.pk]),
            form_data(title="Renamed", **{f"credits_{sub_id('Image Formation')}": "2.5"}),
        )
    assert response.status_code == 302
    bob_prescription.refresh_from_db()
    assert bob_prescription.title == "Renamed"
    assert bob_prescription.required.get(subcategory__name="Image Formation").credits == 2.5
    assert bob_prescription.runs.count() == 2


def test_delete_removes_the_prescription(client, bob, bob_prescription):
    client.force_login(bob)
    response = client.post(reverse("prescriptions:delete", args=[bob_prescription.pk]))
    assert response.status_code == 302
    assert not Prescription.objects.filter(pk=bob_prescription.pk).exists()


def test_the_form_starts_with_the_discipline_of_the_profile(client, bob, catalog):
    services.profile_update(
        user=bob, full_name="Bob", arrt_id="", disciplines=[catalog.outline.discipline]
    )
    client.force_login(bob)
    html = client.get(reverse("prescriptions:new")).content.decode()
    assert f'id="id_credits_{sub_id("Image Formation")}"' in html
