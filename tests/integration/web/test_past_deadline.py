"""A compliance deadline before today is refused at every entry surface (form, JSON
upload, paste, API) with a message on the deadline field, unless the prescription is
marked completed: then it is kept as history, saved and never planned."""

from __future__ import annotations

import json
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from matching.models import MatchingRun
from matching.services.problem import recommend
from plans import services
from plans.models import Plan
from prescriptions.documents import prescription_spec_from_document
from prescriptions.models import Prescription
from prescriptions.spec_rows import prescription_spec_from_model
from tests.integration.web.conftest import best_bundle, document
from tests.integration.web.test_prescription_entry import form_data
from tests.integration.web.test_prescription_read import confirm_data

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - timedelta(days=1)
PASSED = "has passed: nothing can be planned for it"


def past_spec() -> Any:
    return prescription_spec_from_document(
        document(
            issued_on=(TODAY - timedelta(days=900)).isoformat(), deadline=YESTERDAY.isoformat()
        )
    )


class TestTheRule:
    def test_a_past_deadline_is_refused_on_the_deadline_field(self, bob, catalog):
        with pytest.raises(ValidationError) as caught:
            services.prescription_create(owner=bob, spec=past_spec())
        assert list(caught.value.error_dict) == ["deadline"]
        assert PASSED in caught.value.error_dict["deadline"][0].messages[0]
        assert not Prescription.objects.exists()

    def test_today_is_still_allowed(self, bob, catalog):
        spec = prescription_spec_from_document(document(deadline=TODAY.isoformat()))
        prescription = services.prescription_create(owner=bob, spec=spec)
        assert prescription.status == Prescription.Status.ACTIVE
        assert prescription.runs.count() == 1

    def test_a_completed_prescription_is_kept_as_history_and_never_planned(self, bob, catalog):
        prescription = services.prescription_create(owner=bob, spec=past_spec(), completed=True)
        assert prescription.status == Prescription.Status.COMPLETED
        assert not MatchingRun.objects.filter(prescription=prescription).exists()
        with pytest.raises(ValidationError, match="kept as history"):
            services.prescription_recompute(prescription=prescription)
        with pytest.raises(ValidationError, match="kept as history"):
            services.plan_replan(prescription=prescription)
        assert not MatchingRun.objects.filter(prescription=prescription).exists()

    def test_clearing_completed_with_a_past_deadline_is_refused(self, bob, catalog):
        prescription = services.prescription_create(owner=bob, spec=past_spec(), completed=True)
        with pytest.raises(ValidationError) as caught:
            services.prescription_update(prescription=prescription, spec=past_spec())
        assert list(caught.value.error_dict) == ["deadline"]
        prescription.refresh_from_db()
        assert prescription.status == Prescription.Status.COMPLETED

    def test_the_recommend_command_keeps_its_own_planning_date(self, catalog):
        """Contract §2: `recommend` plans from `as_of`; the entry rule is the portal's."""
        spec = prescription_spec_from_document(
            document(
                issued_on=(TODAY - timedelta(days=60)).isoformat(),
                as_of=(TODAY - timedelta(days=30)).isoformat(),
                deadline=YESTERDAY.isoformat(),
            )
        )
        assert recommend(spec, time_limit=10).document["status"] == "optimal"


class TestTheForm:
    def test_a_past_deadline_is_shown_on_the_field_and_nothing_is_saved(self, client, bob, catalog):
        client.force_login(bob)
        response = client.post(
            reverse("prescriptions:new"), form_data(deadline=YESTERDAY.isoformat())
        )
        assert response.status_code == 400
        html = unescape(response.content.decode())
        error = html.split('id="id_deadline_error"', 1)[1].split("</p>", 1)[0]
        assert PASSED in error
        assert 'href="#id_deadline"' in html  # the error summary links to the field
        assert not Prescription.objects.exists()

    def test_marked_completed_it_is_kept_as_history(self, client, bob, catalog):
        client.force_login(bob)
        response = client.post(
            reverse("prescriptions:new"),
            form_data(deadline=YESTERDAY.isoformat(), is_completed="on"),
            follow=True,
        )
        prescription = Prescription.objects.get(owner=bob)
        assert prescription.is_completed
        assert not prescription.runs.exists()
        html = unescape(response.content.decode())
        assert "Completed — kept as history" in html
        assert "kept as history (completed); it is not planned" in html
        listing = unescape(client.get(reverse("prescriptions:list")).content.decode())
        assert "Completed · history" in listing
        assert ">past</span>" not in listing

    def test_the_recompute_button_says_why_it_does_nothing(self, client, bob, catalog):
        prescription = services.prescription_create(owner=bob, spec=past_spec(), completed=True)
        client.force_login(bob)
        response = client.post(
            reverse("prescriptions:recompute", args=[prescription.pk]), follow=True
        )
        assert "is marked completed and kept as history" in unescape(response.content.decode())
        assert not prescription.runs.exists()


class TestTheJsonUpload:
    def test_a_past_deadline_names_the_deadline(self, client, bob, catalog):
        client.force_login(bob)
        doc = document(deadline=YESTERDAY.isoformat())
        response = client.post(reverse("prescriptions:import"), {"text": json.dumps(doc)})
        assert response.status_code == 400
        day = f"{YESTERDAY:%b} {YESTERDAY.day}, {YESTERDAY.year}"
        assert f"Deadline: The deadline ({day}) {PASSED}" in unescape(response.content.decode())
        assert not Prescription.objects.exists()

    def test_marked_completed_it_is_kept(self, client, bob, catalog):
        client.force_login(bob)
        doc = document(deadline=YESTERDAY.isoformat())
        response = client.post(
            reverse("prescriptions:import"), {"text": json.dumps(doc), "is_completed": "on"}
        )
        assert response.status_code == 302
        assert Prescription.objects.get(owner=bob).is_completed


class TestThePasteConfirmation:
    def test_a_past_deadline_is_shown_on_the_field(self, client, bob, catalog):
        client.force_login(bob)
        response = client.post(
            reverse("prescriptions:read_confirm"), confirm_data(deadline=YESTERDAY.isoformat())
        )
        assert response.status_code == 400
        html = unescape(response.content.decode())
        assert PASSED in html.split('id="id_deadline_error"', 1)[1].split("</p>", 1)[0]
        assert not Prescription.objects.exists()


class TestTheApi:
    def api(self, user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    def test_a_past_deadline_is_a_400_on_deadline(self, bob, catalog):
        response = self.api(bob).post(
            "/api/v1/prescriptions/create/", document(deadline=YESTERDAY.isoformat()), format="json"
        )
        assert response.status_code == 400, response.content
        details = response.json()["error"]["details"]
        assert [row["field"] for row in details] == ["deadline"]
        assert PASSED in details[0]["message"]
        assert not Prescription.objects.exists()

    def test_status_completed_keeps_it_as_history(self, bob, catalog):
        response = self.api(bob).post(
            "/api/v1/prescriptions/create/",
            {**document(deadline=YESTERDAY.isoformat()), "status": "completed"},
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "completed"
        assert body["latest_run"] is None
        # Never planned: no link to bundles, a run, a plan, its PDF or calendar.
        assert set(body["links"]) == {"self", "web"}
        detail = self.api(bob).get(body["links"]["self"]).json()
        assert set(detail["links"]) == {"self", "web"}

    def test_an_unknown_status_is_refused(self, bob, catalog):
        response = self.api(bob).post(
            "/api/v1/prescriptions/create/", {**document(), "status": "done"}, format="json"
        )
        assert response.status_code == 400
        assert [row["field"] for row in response.json()["error"]["details"]] == ["status"]


class TestTheHistoryPage:
    """A prescription kept as history offers nothing that plans, and the URLs of what it
    does not offer lead back to its page, which says why."""

    def history(self, bob: Any) -> Prescription:
        return services.prescription_create(owner=bob, spec=past_spec(), completed=True)

    def test_it_offers_no_plan_pdf_calendar_or_planning_with_obligations(
        self, client, bob, catalog
    ):
        prescription = self.history(bob)
        client.force_login(bob)
        html = unescape(
            client.get(reverse("prescriptions:detail", args=[prescription.pk])).content.decode()
        )
        assert "Completed — kept as history" in html
        assert "Plan together with your other obligations" not in html
        for name in ("plan", "plan_pdf", "plan_ics", "obligations"):
            assert reverse(f"prescriptions:{name}", args=[prescription.pk]) not in html
        assert ">My plan</a>" not in html and "Calendar (.ics)" not in html
        # Still offered: editing it (to plan it again), its JSON and deleting it.
        for name in ("edit", "json", "delete"):
            assert reverse(f"prescriptions:{name}", args=[prescription.pk]) in html

    @pytest.mark.parametrize("name", ["plan", "plan_pdf", "plan_ics"])
    def test_the_plan_pdf_and_calendar_urls_lead_to_its_page(self, client, bob, catalog, name):
        prescription = self.history(bob)
        client.force_login(bob)
        url = reverse(f"prescriptions:{name}", args=[prescription.pk])
        response = client.get(url)
        detail = reverse("prescriptions:detail", args=[prescription.pk])
        assert response.status_code == 302 and response["Location"] == detail
        html = unescape(client.get(url, follow=True).content.decode())
        assert "is kept as history (completed): it has no plan, PDF or calendar" in html
        assert "Completed — kept as history" in html

    def test_an_active_prescription_keeps_them(self, client, bob, bob_prescription):
        client.force_login(bob)
        html = client.get(reverse("prescriptions:detail", args=[bob_prescription.pk]))
        for name in ("plan", "plan_pdf", "plan_ics"):
            assert reverse(f"prescriptions:{name}", args=[bob_prescription.pk]) in unescape(
                html.content.decode()
            )
        assert "Plan together with your other obligations" in html.content.decode()
        assert (
            client.get(reverse("prescriptions:plan", args=[bob_prescription.pk])).status_code == 200
        )

    def test_a_bundle_computed_before_it_was_completed_cannot_be_chosen(
        self, client, bob, bob_prescription
    ):
        bundle = best_bundle(bob_prescription)
        spec = prescription_spec_from_model(bob_prescription)
        services.prescription_update(prescription=bob_prescription, spec=spec, completed=True)
        client.force_login(bob)
        response = client.post(
            reverse("prescriptions:choose", args=[bob_prescription.pk, bundle.pk]), follow=True
        )
        assert "is marked completed and kept as history, so it is not planned" in unescape(
            response.content.decode()
        )
        assert not Plan.objects.filter(prescription=bob_prescription).exists()
