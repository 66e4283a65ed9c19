"""Structured education and biennial CE through the API (contract §6): the same
`cqr-prescription/1` documents as the command and the web form."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from prescriptions.models import Prescription
from tests.integration.api.conftest import PRESCRIPTION, assert_error

pytestmark = pytest.mark.usefixtures("catalog")

STRUCTURED = {
    **PRESCRIPTION,
    "kind": "structured-education",
    "required": [],
    "extra": [
        {"kind": "total_discipline", "credits": "4"},
        {"kind": "major_minimum", "credits": 1},
    ],
}


def create(api: APIClient, document: dict[str, Any], capture: Any) -> dict[str, Any]:
    with capture(execute=True):
        response = api.post("/api/v1/prescriptions/create/", document, format="json")
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_a_cqr_prescription_with_the_biennium_is_planned_in_one_plan(
    bob_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    document = {
        **PRESCRIPTION,
        "extra": [{"kind": "total_ce", "credits": "7"}],
        "biennium_ends_on": "2027-06-30",
    }
    body = create(bob_api, document, django_capture_on_commit_callbacks)
    assert body["kind"] == "cqr"
    assert body["document"]["extra"] == [{"kind": "total_ce", "credits": "7.00"}]
    assert body["document"]["biennium_ends_on"] == "2027-06-30"
    assert body["deadline"] == "2027-12-31"  # the CQR deadline is kept
    bundles = bob_api.get(body["links"]["bundles"]).json()
    assert bundles["status"] == "optimal"
    bundle = bundles["bundles"][0]
    # Dose + image ($54) give the CQR credits but only 5.00 CE; image + the live workshop
    # (2027-03-01, before the biennium ends) give both, 7.00 CE, for $150. Each course
    # counts once toward the prescription and the biennium.
    assert sorted(bundle["courses"]) == ["ahec-ct-image", "gage-ct-live"]
    assert bundle["price"] == "150.00"
    assert bundle["credits"]["total_ce"] == bundle["ce_credits"] == "7.00"
    assert all(item["complete_by"] <= "2027-06-30" for item in bundle["schedule"])


def test_a_structured_education_requirement_is_accepted_and_planned(
    bob_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    body = create(bob_api, STRUCTURED, django_capture_on_commit_callbacks)
    assert body["kind"] == "structured-education"
    assert body["document"]["required"] == []
    prescription = Prescription.objects.get(pk=body["id"])
    assert not prescription.required.exists()
    assert {e.kind for e in prescription.extras.all()} == {"total_discipline", "major_minimum"}
    # The CT test outline has four major categories; the API catalog has courses in two.
    bundles = bob_api.get(body["links"]["bundles"]).json()
    assert bundles["status"] == "infeasible"
    assert {row["category"] for row in bundles["shortfall"]} == {
        "major:Patient Care",
        "major:Procedures",
    }


def test_invalid_extras_are_a_400_naming_each_field(bob_api: APIClient) -> None:
    document = {
        **PRESCRIPTION,
        "extra": [{"kind": "total_hours", "credits": 1}, {"kind": "total_ce", "credits": "-3"}],
        "biennium_ends_on": "2020-01-01",
    }
    error = assert_error(
        bob_api.post("/api/v1/prescriptions/create/", document, format="json"), 400
    )
    messages = [row["message"] for row in error["details"]]
    assert len(messages) == 3, messages
    assert messages[0].startswith('extra[0].kind: unknown kind "total_hours"')
    assert messages[1].startswith("extra[1].credits: must be a positive number")
    assert messages[2] == "biennium_ends_on: must be on or after issued_on"
    assert not Prescription.objects.exists()


@pytest.mark.django_db
def test_the_schema_describes_kind_extra_and_the_biennium(bob_api: APIClient) -> None:
    schema = bob_api.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    document = components["PrescriptionCreateInputRequest"]["properties"]
    assert "changes no rule by itself" in document["kind"]["description"]
    assert "biennial CE, structured education" in document["extra"]["description"]
    assert "before `deadline`" in document["biennium_ends_on"]["description"]
    extra = components["ExtraRequirementRequest"]["properties"]
    assert "major_minimum" in extra["kind"]["description"]
    assert "total_ce" in extra["kind"]["description"]


def test_an_obligation_with_its_own_deadline_label_and_tags_is_stored_and_planned(
    bob_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    licence = {"kind": "total_ce", "credits": "5", "deadline": "2027-06-30", "label": "Licence"}
    tagged = {"kind": "tag_minimum", "credits": "1", "tags": ["hiv-aids"], "label": "HIV/AIDS"}
    body = create(
        bob_api, {**PRESCRIPTION, "extra": [licence, tagged]}, django_capture_on_commit_callbacks
    )
    assert body["document"]["extra"] == [
        {**licence, "credits": "5.00"},
        {**tagged, "credits": "1.00"},
    ]
    rows = Prescription.objects.get(pk=body["id"]).extras.order_by("id")
    assert [(e.kind, str(e.deadline), e.label, e.tags) for e in rows] == [
        ("total_ce", "2027-06-30", "Licence", []),
        ("tag_minimum", "None", "HIV/AIDS", ["hiv-aids"]),
    ]
    bundles = bob_api.get(body["links"]["bundles"]).json()
    # No course of the API catalog carries the tag: short under the obligation's label.
    assert bundles["status"] == "infeasible"
    assert [s["category"] for s in bundles["shortfall"]] == ["HIV/AIDS"]
