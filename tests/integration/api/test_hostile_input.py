"""Hostile bodies sent to the API's JSON entries (prescription create, provider catalog
import): each gets a 4xx naming the problem, and nothing is written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from catalog.models import Course
from prescriptions.models import Prescription
from tests.integration.api.conftest import PRESCRIPTION, assert_error

pytestmark = pytest.mark.django_db

PRESCRIPTIONS = "/api/v1/prescriptions/create/"
CATALOG = "/api/v1/provider/catalog/"
DEEP = "[" * 100_000 + "]" * 100_000
DEPTH = "nested more than 32 levels deep"


def post_raw(client: APIClient, url: str, body: str | bytes) -> Any:
    return client.post(url, body, content_type="application/json")


def course(**fields: Any) -> dict[str, Any]:
    return {
        "code": "ahec-new",
        "provider": "ahec",
        "title": "New course",
        "format": "online",
        "price": "10.00",
        "ce_credits": "1.0",
        "distribution": [{"discipline": "CT", "category": "Image Formation", "credits": "1.0"}],
        **fields,
    }


class TestPrescriptionApi:
    def test_deep_nesting_is_a_400_naming_the_path(self, bob_api: APIClient, catalog: Any) -> None:
        error = assert_error(post_raw(bob_api, PRESCRIPTIONS, DEEP), 400, "validation_error")
        assert DEPTH in error["message"]
        assert error["details"][0]["field"].startswith("0.0.0")
        assert not Prescription.objects.exists()

    def test_nesting_just_past_the_limit_inside_a_field_is_named(
        self, bob_api: APIClient, catalog: Any
    ) -> None:
        nested: list[Any] = []
        for _ in range(33):
            nested = [nested]
        body = json.dumps({**PRESCRIPTION, "extra": nested})
        error = assert_error(post_raw(bob_api, PRESCRIPTIONS, body), 400)
        assert error["details"][0]["field"].startswith("extra.0.0")
        assert DEPTH in error["details"][0]["message"]

    def test_a_lone_surrogate_is_a_400_naming_the_field(
        self, bob_api: APIClient, catalog: Any
    ) -> None:
        body = json.dumps(PRESCRIPTION)[:-1] + ', "title": "bad \\ud800 name"}'
        error = assert_error(post_raw(bob_api, PRESCRIPTIONS, body), 400)
        assert error["details"] == [
            {"field": "title", "message": "contains a lone surrogate (\\ud800), which is not "
             "valid Unicode text"}
        ]  # fmt: skip
        assert not Prescription.objects.exists()

    def test_a_control_character_is_a_400_naming_the_field(
        self, bob_api: APIClient, catalog: Any
    ) -> None:
        body = {**PRESCRIPTION, "completed": ["ahec-ct-dose\u0007"]}
        error = assert_error(bob_api.post(PRESCRIPTIONS, body, format="json"), 400)
        assert error["details"][0]["field"] == "completed.0"
        assert "control character (\\u0007)" in error["details"][0]["message"]

    def test_a_title_with_a_line_break_is_a_400_naming_the_title(
        self, bob_api: APIClient, catalog: Any
    ) -> None:
        body = {**PRESCRIPTION, "title": "My CQR\r\nX-INJECTED: 1"}
        error = assert_error(bob_api.post(PRESCRIPTIONS, body, format="json"), 400)
        assert error["details"][0]["field"] == "title"
        assert "single line" in error["details"][0]["message"]
        assert not Prescription.objects.exists()

    def test_an_oversized_body_is_a_413_before_it_is_read(
        self, bob_api: APIClient, settings: Any
    ) -> None:
        settings.PRESCRIPTION_UPLOAD_MAX_BYTES = 1000
        response = bob_api.generic(
            "POST",
            PRESCRIPTIONS,
            data="",
            content_type="application/json",
            CONTENT_LENGTH=str(50 * 1024 * 1024),
        )
        error = assert_error(response, 413, "payload_too_large")
        assert error["message"] == (
            "The request is too large: the limit is 1000 bytes and this one is 50.0 MB."
        )

    def test_another_api_endpoint_has_the_general_limit(
        self, bob_api: APIClient, settings: Any
    ) -> None:
        settings.API_BODY_MAX_BYTES = 2048
        body = json.dumps({"bundle": 1, "pad": "x" * 5000})
        error = assert_error(post_raw(bob_api, "/api/v1/prescriptions/1/plan/choose/", body), 413)
        assert "2.0 KB" in error["message"]


class TestCatalogApi:
    def test_deep_nesting_is_a_400(self, alice_api: APIClient, catalog: Any) -> None:
        body = '{"format": "cqr-catalog/1", "courses": [' + DEEP + "]}"
        error = assert_error(post_raw(alice_api, CATALOG, body), 400, "validation_error")
        assert "courses[0][0]" in error["message"] and DEPTH in error["message"]

    def test_a_lone_surrogate_is_a_400_naming_the_field(
        self, alice_api: APIClient, catalog: Any
    ) -> None:
        body = json.dumps({"format": "cqr-catalog/1", "courses": [course()]})
        body = body.replace("New course", "New \\udfff course")
        error = assert_error(post_raw(alice_api, CATALOG, body), 400)
        assert error["details"][0]["field"] == "courses.0.title"
        assert "lone surrogate (\\udfff)" in error["details"][0]["message"]
        assert not Course.objects.filter(code="ahec-new").exists()

    def test_a_control_character_is_a_400_naming_the_field(
        self, alice_api: APIClient, catalog: Any
    ) -> None:
        document = {"format": "cqr-catalog/1", "courses": [course(title="New\u001bcourse")]}
        error = assert_error(alice_api.post(CATALOG, document, format="json"), 400)
        assert error["details"][0]["field"] == "courses.0.title"
        assert "control character (\\u001b)" in error["details"][0]["message"]
        assert not Course.objects.filter(code="ahec-new").exists()

    def test_an_oversized_catalog_is_a_413_before_it_is_read(
        self, alice_api: APIClient, settings: Any
    ) -> None:
        settings.CATALOG_UPLOAD_MAX_BYTES = 4096
        response = alice_api.generic(
            "POST", CATALOG, data="", content_type="application/json", CONTENT_LENGTH="5000"
        )
        error = assert_error(response, 413, "payload_too_large")
        assert "the limit is 4.0 KB" in error["message"]
