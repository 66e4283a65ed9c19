"""Reading a prescription's text through the API (nothing saved), then saving the
proposal with its lines not in our outline yet."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from rest_framework.test import APIClient

from prescriptions.models import Prescription, UnmatchedLine
from tests.integration.api.conftest import PRESCRIPTION, assert_error
from tests.unit.parsing.corpus import CORPUS

pytestmark = pytest.mark.usefixtures("catalog")

URL = "/api/v1/prescriptions/parse/"
TEXT = (
    "Discipline: CT\nIssued: 09/01/2026\nDeadline: September 30, 2029\n"
    "Safety - Radiation Safety & Dose ..... 1.50 credits\nImage Formatoin 3.00\n"
    "Cardiac Doppler 1.00\n"
)


def test_parse_returns_the_proposal_and_every_line_and_saves_nothing(bob_api: APIClient) -> None:
    response = bob_api.post(URL, {"text": TEXT}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["document"] == {
        "format": "cqr-prescription/1",
        "discipline": "CT",
        "issued_on": "2026-09-01",
        "deadline": "2029-09-30",
        "required": [
            {
                "category": "Radiation Safety and Dose",
                "credits": "1.50",
                "line": "Safety - Radiation Safety & Dose ..... 1.50 credits",
            },
            {"category": "Image Formation", "credits": "3.00", "line": "Image Formatoin 3.00"},
        ],
        "unmatched": [{"line": "Cardiac Doppler 1.00", "credits": "1.00"}],
    }
    sure = [
        (line["category"], line["confidence"], line["unmatched_reason"]) for line in body["lines"]
    ]
    assert sure == [
        ("Radiation Safety and Dose", "Exact match", None),
        ("Image Formation", "Very likely (a letter or two differ)", None),
        (None, None, "no subcategory close enough"),
    ]
    assert body["lines"][2]["closest"] is None  # nothing in the CT outline is close
    assert Prescription.objects.count() == 0


def details(response: Any) -> dict[str, str]:
    return {d["field"]: d["message"] for d in assert_error(response, 400)["details"]}


def test_parse_errors_name_the_field(bob_api: APIClient) -> None:
    errors = details(bob_api.post(URL, {"text": "Image Formation 2.00"}, format="json"))
    assert "no discipline named" in errors["discipline"]
    assert "text" in details(bob_api.post(URL, {"text": ""}, format="json"))
    assert "text" in details(bob_api.post(URL, ["x"], format="json"))
    errors = details(bob_api.post(URL, {"text": TEXT, "discipline": "XX"}, format="json"))
    assert "'XX' has no outline" in errors["discipline"]


def test_a_discipline_code_is_read_in_any_case(bob_api: APIClient) -> None:
    text = "Image Formation 2.00\n"
    response = bob_api.post(URL, {"text": text, "discipline": "ct"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["document"]["discipline"] == "CT"
    assert response.json()["document"]["required"][0]["category"] == "Image Formation"


def test_parse_needs_a_signed_in_user() -> None:
    response = APIClient().post(URL, {"text": TEXT}, format="json")
    assert response.status_code in (401, 403)


def test_create_keeps_the_proposals_unmatched_lines(bob_api: APIClient) -> None:
    proposal = bob_api.post(URL, {"text": TEXT}, format="json").json()["document"]
    document: dict[str, Any] = {**PRESCRIPTION, "required": proposal["required"]}
    document["unmatched"] = proposal["unmatched"]
    response = bob_api.post("/api/v1/prescriptions/create/", document, format="json")
    assert response.status_code == 201, response.content
    line = UnmatchedLine.objects.get()
    assert (line.name, str(line.credits), line.line) == (
        "Cardiac Doppler",
        "1.00",
        "Cardiac Doppler 1.00",
    )


def test_create_refuses_bad_unmatched_rows_and_saves_nothing(bob_api: APIClient) -> None:
    document = {**PRESCRIPTION, "unmatched": [{"category": "X", "credits": "abc"}]}
    response = bob_api.post("/api/v1/prescriptions/create/", document, format="json")
    assert response.status_code == 400
    assert "unmatched[0].credits" in response.content.decode()
    assert Prescription.objects.count() == 0


def test_an_unknown_category_in_required_is_still_refused(bob_api: APIClient) -> None:
    document = {**PRESCRIPTION, "required": [{"category": "Cardiac Doppler", "credits": "1"}]}
    response = bob_api.post("/api/v1/prescriptions/create/", document, format="json")
    assert response.status_code == 400
    assert 'unknown category \\"Cardiac Doppler\\"' in response.content.decode() or (
        'unknown category "Cardiac Doppler"' in response.content.decode()
    )


def test_a_pdf_is_read_from_base64(bob_api: APIClient) -> None:
    pdf = base64.b64encode((CORPUS / "31_ct_table.pdf").read_bytes()).decode()
    body = bob_api.post(URL, {"pdf_base64": pdf}, format="json").json()
    assert body["document"]["deadline"] == "2029-01-31"
    assert len(body["document"]["required"]) == 4
    errors = details(bob_api.post(URL, {"pdf_base64": "%%%"}, format="json"))
    assert errors["pdf_base64"] == "is not valid base64"
    plain = base64.b64encode(b"hello").decode()
    errors = details(bob_api.post(URL, {"pdf_base64": plain}, format="json"))
    assert "not a PDF" in errors["pdf_base64"]
    errors = details(bob_api.post(URL, {"pdf_base64": plain, "text": "x"}, format="json"))
    assert "not both" in errors["text"]
