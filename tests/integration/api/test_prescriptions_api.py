"""Technologists' prescriptions, runs, bundles and plans through the API."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from matching.models import MatchingRun
from prescriptions.models import Prescription
from tests.integration.api.conftest import PRESCRIPTION, assert_error

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture
def computed(bob_api: APIClient, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """Bob's prescription with its first run computed."""
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_api.post(
            "/api/v1/prescriptions/create/", {**PRESCRIPTION, "title": "My CQR"}, format="json"
        )
    assert response.status_code == 201, response.content
    return dict(bob_api.get(response.json()["url"]).json())


def test_creating_stores_the_document_and_queues_a_run(bob_api: APIClient, bob: Any) -> None:
    response = bob_api.post("/api/v1/prescriptions/create/", PRESCRIPTION, format="json")
    body = response.json()
    assert response.status_code == 201
    assert body["latest_run"]["status"] == "queued"
    prescription = Prescription.objects.get(pk=body["id"])
    assert prescription.owner == bob
    assert str(
        prescription.required.get(subcategory__name="Radiation Safety and Dose").credits
    ) == ("1.50")


def test_a_missing_as_of_plans_from_each_runs_today(bob_api: APIClient) -> None:
    document = {k: v for k, v in PRESCRIPTION.items() if k != "as_of"}
    body = bob_api.post("/api/v1/prescriptions/create/", document, format="json").json()
    assert body["as_of"] is None
    assert "as_of" not in body["document"]


def test_title_and_sharing_are_checked(bob_api: APIClient) -> None:
    document = {**PRESCRIPTION, "title": 5, "share_anonymously": "yes"}
    error = assert_error(
        bob_api.post("/api/v1/prescriptions/create/", document, format="json"), 400
    )
    assert {row["field"] for row in error["details"]} == {"title", "share_anonymously"}


def test_the_list_shows_only_my_prescriptions(
    computed: dict[str, Any], bob_api: APIClient, alice_api: APIClient
) -> None:
    mine = bob_api.get("/api/v1/prescriptions/").json()
    assert [row["id"] for row in mine["results"]] == [computed["id"]]
    assert mine["results"][0]["run_status"] == "done"
    assert mine["results"][0]["title"] == "My CQR"
    assert alice_api.get("/api/v1/prescriptions/").json()["count"] == 0


def test_someone_elses_prescription_is_a_404(
    computed: dict[str, Any], alice_api: APIClient
) -> None:
    pid = computed["id"]
    assert_error(alice_api.get(f"/api/v1/prescriptions/{pid}/"), 404)
    assert_error(alice_api.post(f"/api/v1/prescriptions/{pid}/delete/"), 404)
    assert_error(alice_api.get(f"/api/v1/prescriptions/{pid}/bundles/"), 404)
    assert_error(alice_api.get(f"/api/v1/runs/{computed['latest_run']['id']}/"), 404)
    assert Prescription.objects.filter(pk=pid).exists()


def test_bundles_are_the_recommendation_document(
    computed: dict[str, Any], bob_api: APIClient
) -> None:
    by_prescription = bob_api.get(computed["links"]["bundles"]).json()
    by_run = bob_api.get(computed["latest_run"]["bundles_url"]).json()
    assert by_prescription == by_run
    assert by_run["status"] == "optimal"
    bundle = by_run["bundles"][0]
    assert bundle["credits"]["Image Formation"] == "3.50"
    assert sorted(p["code"] for p in bundle["purchases"]) == ["ahec-ct-dose", "ahec-ct-image"]


def test_bundles_of_an_unfinished_run_are_a_409(bob_api: APIClient) -> None:
    body = bob_api.post("/api/v1/prescriptions/create/", PRESCRIPTION, format="json").json()
    error = assert_error(bob_api.get(body["links"]["bundles"]), 409, "conflict")
    assert "poll" in error["message"]


def test_a_failed_run_answers_with_an_error_document(
    computed: dict[str, Any], bob_api: APIClient
) -> None:
    MatchingRun.objects.filter(pk=computed["latest_run"]["id"]).update(
        status="failed", error="the solver crashed"
    )
    document = bob_api.get(computed["links"]["bundles"]).json()
    assert document["status"] == "error"
    assert document["message"] == "the solver crashed"
    assert document["bundles"] == []


def test_recompute_starts_a_new_run(
    computed: dict[str, Any], bob_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_api.post(computed["links"]["recompute"])
    assert response.status_code == 202
    run = response.json()
    assert run["id"] != computed["latest_run"]["id"]
    assert bob_api.get(run["url"]).json()["status"] == "done"


def test_delete_removes_the_prescription(computed: dict[str, Any], bob_api: APIClient) -> None:
    response = bob_api.post(f"/api/v1/prescriptions/{computed['id']}/delete/")
    assert response.status_code == 204
    assert not Prescription.objects.filter(pk=computed["id"]).exists()


def test_there_is_no_plan_until_one_is_chosen(computed: dict[str, Any], bob_api: APIClient) -> None:
    error = assert_error(bob_api.get(computed["links"]["plan"]), 404)
    assert "No plan chosen yet" in error["message"]


def test_choosing_a_missing_rank_is_a_400(computed: dict[str, Any], bob_api: APIClient) -> None:
    error = assert_error(
        bob_api.post(computed["links"]["plan"] + "choose/", {"rank": 7}, format="json"), 400
    )
    assert error["details"][0]["field"] == "rank"


def test_a_future_completion_date_is_refused(computed: dict[str, Any], bob_api: APIClient) -> None:
    plan = bob_api.post(computed["links"]["plan"] + "choose/", {"rank": 1}, format="json").json()
    assert plan["pdf"] == computed["links"]["plan_pdf"]
    item = plan["items"][0]
    error = assert_error(
        bob_api.post(
            f"{computed['links']['plan']}items/{item['id']}/done/",
            {"done_on": "2999-01-01"},
            format="json",
        ),
        400,
    )
    assert error["details"][0]["field"] == "done_on"
    undo = bob_api.post(f"{computed['links']['plan']}items/{item['id']}/undo/")
    assert undo.json()["items"][0]["status"] == "planned"
