"""Every API failure answers in the one error format, whatever raised it."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.integration.api.conftest import CT_DOSE, CT_IMAGE, assert_error


@pytest.mark.django_db
def test_an_unknown_api_path_is_a_404_in_the_error_format(anon: APIClient) -> None:
    error = assert_error(anon.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert "/api/v1/no-such-thing/" in error["message"]


@pytest.mark.django_db
def test_a_missing_trailing_slash_is_pointed_out(anon: APIClient) -> None:
    error = assert_error(anon.get("/api/v1/courses"), 404, "not_found")
    assert "Did you mean /api/v1/courses/" in error["message"]
    error = assert_error(anon.post("/api/v1/prescriptions/create"), 404, "not_found")
    assert "Did you mean /api/v1/prescriptions/create/" in error["message"]


def test_a_missing_object_is_a_404(bob_api: APIClient) -> None:
    assert_error(bob_api.get("/api/v1/prescriptions/999999/"), 404, "not_found")


@pytest.mark.django_db
def test_an_unauthenticated_request_is_a_401_with_the_token_challenge(anon: APIClient) -> None:
    response = anon.get("/api/v1/prescriptions/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_a_bad_token_is_a_401(anon: APIClient) -> None:
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(anon.get("/api/v1/prescriptions/"), 401, "authentication_failed")


def test_a_technologist_on_a_provider_endpoint_is_a_403(bob_api: APIClient) -> None:
    error = assert_error(bob_api.get("/api/v1/provider/courses/"), 403, "permission_denied")
    assert "provider staff" in error["message"]


def test_a_wrong_method_is_a_405(bob_api: APIClient) -> None:
    assert_error(bob_api.get("/api/v1/prescriptions/create/"), 405, "method_not_allowed")


def test_malformed_json_is_a_400_parse_error(bob_api: APIClient) -> None:
    response = bob_api.post(
        "/api/v1/prescriptions/create/", "{not json", content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


def test_a_body_in_another_media_type_is_a_415(bob_api: APIClient) -> None:
    response = bob_api.post("/api/v1/prescriptions/create/", "x", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


def test_invalid_fields_name_each_field(bob_api: APIClient, ct_outline: Any) -> None:
    document = {
        "format": "cqr-prescription/1",
        "discipline": "CT",
        "issued_on": "2026-09-01",
        "deadline": "2025-01-01",
        "required": [{"category": "No Such Category", "credits": "1"}],
    }
    error = assert_error(
        bob_api.post("/api/v1/prescriptions/create/", document, format="json"),
        400,
        "validation_error",
    )
    messages = [row["message"] for row in error["details"]]
    assert any(m.startswith("deadline:") for m in messages), messages
    assert any(m.startswith("required[0].category:") for m in messages), messages


def test_a_rejected_prescription_names_record_and_field_as_data(
    bob_api: APIClient, ct_outline: Any
) -> None:
    document = {
        "format": "cqr-prescription/1",
        "discipline": "CT",
        "issued_on": "2026-09-01",
        "deadline": "2025-01-01",
        "required": [{"category": "No Such Category", "credits": "1"}],
    }
    error = assert_error(
        bob_api.post("/api/v1/prescriptions/create/", document, format="json"), 400
    )
    assert error["details"] == [
        {
            "record": None,
            "field": "deadline",
            "message": "deadline: must be on or after issued_on",
        },
        {
            "record": "required[0]",
            "field": "category",
            "message": 'required[0].category: unknown category "No Such Category" for discipline '
            "CT",
        },
    ]


def test_a_rejected_catalog_names_record_and_field_as_data(
    alice_api: APIClient, ct_outline: Any
) -> None:
    bad = {**CT_IMAGE, "price": "-3"}
    document = {"format": "cqr-catalog/1", "courses": [CT_DOSE, bad, "x"]}
    error = assert_error(alice_api.post("/api/v1/provider/catalog/", document, format="json"), 400)
    image = 'courses[1] (code "ahec-ct-image")'
    assert error["details"] == [
        {
            "record": image,
            "field": "price",
            "message": f'{image}: price: must not be negative, not "-3"',
        },
        {
            "record": "courses[2]",
            "field": None,
            "message": 'courses[2]: must be an object, not "x"',
        },
    ]
    assert error["message"] == "; ".join(row["message"] for row in error["details"])


def test_the_schema_documents_the_record_of_an_error_detail(anon: APIClient, db: None) -> None:
    schema = anon.get("/api/schema/?format=json").json()
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert set(detail["properties"]) == {"field", "record", "message"}
    assert set(detail["required"]) == {"field", "message"}  # record: documents only


def test_serializer_errors_carry_the_field_path(alice_api: APIClient, ct_outline: Any) -> None:
    course = {"code": "x", "title": "X", "format": "podcast", "price": "1", "distribution": []}
    error = assert_error(
        alice_api.post("/api/v1/provider/courses/create/", course, format="json"), 400
    )
    fields = {row["field"] for row in error["details"]}
    assert {"format", "ce_credits"} <= fields, error


def test_too_many_requests_are_throttled_with_retry_after(
    anon: APIClient, settings: Any, db: None
) -> None:
    settings.CQR_API_THROTTLE_ANON = "3/minute"
    for _ in range(3):
        assert anon.get("/api/v1/outlines/").status_code == 200
    response = anon.get("/api/v1/outlines/")
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_signed_in_users_are_throttled_per_user(bob_api: APIClient, settings: Any) -> None:
    settings.CQR_API_THROTTLE_USER = "2/minute"
    assert bob_api.get("/api/v1/prescriptions/").status_code == 200
    assert bob_api.get("/api/v1/prescriptions/").status_code == 200
    assert_error(bob_api.get("/api/v1/prescriptions/"), 429, "throttled")


def test_an_unexpected_exception_is_a_500_in_the_error_format(
    bob_api: APIClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(**kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("plans.apis.prescription_list_for_user", explode)
    error = assert_error(bob_api.get("/api/v1/prescriptions/"), 500, "server_error")
    assert "boom" not in error["message"]  # no internals leak to the client
    assert "boom" in caplog.text  # but the traceback is logged


def test_an_oversized_prescription_body_is_a_413(bob_api: APIClient, settings: Any) -> None:
    settings.PRESCRIPTION_UPLOAD_MAX_BYTES = 1000
    body = '{"format": "cqr-prescription/1", "title": "' + "x" * 2000 + '"}'
    response = bob_api.post("/api/v1/prescriptions/create/", body, content_type="application/json")
    error = assert_error(response, 413, "payload_too_large")
    assert "1000 bytes" in error["message"]


def test_an_oversized_catalog_body_is_a_413(alice_api: APIClient, settings: Any) -> None:
    settings.CATALOG_UPLOAD_MAX_BYTES = 2048
    body = '{"format": "cqr-catalog/1", "courses": [' + ",".join(["{}"] * 1000) + "]}"
    response = alice_api.post("/api/v1/provider/catalog/", body, content_type="application/json")
    error = assert_error(response, 413, "payload_too_large")
    assert "2.0 KB" in error["message"]


def test_nul_characters_are_refused_before_any_query(bob_api: APIClient) -> None:
    # PostgreSQL refuses NUL in text; the API answers 400 instead of letting it reach a query.
    document = {"format": "cqr-prescription/1", "completed": ["ahec\u0000dose"]}
    error = assert_error(
        bob_api.post("/api/v1/prescriptions/create/", document, format="json"), 400
    )
    assert error["details"][0]["field"] == "completed.0"
    error = assert_error(bob_api.get("/api/v1/provider/courses/?provider=a%00b"), 403)
    error = assert_error(bob_api.get("/api/v1/prescriptions/?x=a%00b"), 400)
    assert error["details"][0]["field"] == "x"
