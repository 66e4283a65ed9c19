"""The issue's acceptance path, through the API only: token, catalog upload as provider
staff, prescription and its bundles as a technologist, then the plan."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from catalog.models import Course
from tests.integration.api.conftest import CT_DOSE, CT_IMAGE, PRESCRIPTION


def get_token(username: str) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": "correct-horse-battery"},
        format="json",
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def test_a_new_user_can_go_from_token_to_bundles_and_a_plan(
    ct_outline: Any, alice: Any, bob: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = APIClient(HTTP_AUTHORIZATION=f"Token {get_token('alice')}")
    upload = staff.post(
        "/api/v1/provider/catalog/",
        {"format": "cqr-catalog/1", "courses": [CT_DOSE, CT_IMAGE]},
        format="json",
    )
    assert upload.status_code == 200, upload.content
    assert upload.json()["courses_created"] == 2

    tech = APIClient(HTTP_AUTHORIZATION=f"Token {get_token('bob')}")
    with django_capture_on_commit_callbacks(execute=True):  # the run computes (eager Celery)
        created = tech.post("/api/v1/prescriptions/create/", PRESCRIPTION, format="json")
    assert created.status_code == 201, created.content
    detail = created.json()
    assert detail["document"]["required"][0] == {"category": "Image Formation", "credits": "3.00"}
    assert detail["links"]["plan_pdf"].endswith(f"/prescriptions/{detail['id']}/plan.pdf")
    assert detail["links"]["plan_calendar"].endswith(f"/prescriptions/{detail['id']}/plan.ics")

    run = tech.get(detail["latest_run"]["url"]).json()
    assert run["status"] == "done", run
    bundles = tech.get(detail["links"]["bundles"])
    assert bundles.status_code == 200, bundles.content
    recommendation = bundles.json()
    assert recommendation["format"] == "cqr-recommendation/1"
    assert recommendation["status"] == "optimal"
    # 3 Image Formation + 1.5 Radiation Safety: both ahec courses, $54.
    assert recommendation["bundles"][0]["price"] == "54.00"
    assert sorted(recommendation["bundles"][0]["courses"]) == ["ahec-ct-dose", "ahec-ct-image"]

    plan = tech.post(detail["links"]["plan"] + "choose/", {"rank": 1}, format="json")
    assert plan.status_code == 200, plan.content
    items = plan.json()["items"]
    assert {item["course"] for item in items} == {"ahec-ct-dose", "ahec-ct-image"}
    done = tech.post(
        f"{detail['links']['plan']}items/{items[0]['id']}/done/",
        {"done_on": "2026-10-01"},
        format="json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["items"][0]["status"] == "done"
    with django_capture_on_commit_callbacks(execute=True):
        replan = tech.post(detail["links"]["plan"] + "replan/")
    assert replan.status_code == 202, replan.content
    assert Course.objects.filter(code="ahec-ct-dose").exists()
