"""API fixtures: clients signed in with a token, and a small CT catalog imported through
the provider API's own service."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.services import catalog_import
from tests.integration.contract import catalog_data

CT_DOSE = {
    "code": "ahec-ct-dose",
    "provider": "ahec",
    "title": "CT Dose in Practice",
    "format": "online",
    "price": "24.00",
    "ce_credits": "2.0",
    "approval_expires": "2028-01-31",
    "url": "https://example.org/c/1",
    "distribution": [
        {"discipline": "CT", "category": "Radiation Safety and Dose", "credits": "1.5"},
        {"discipline": "CT", "category": "Image Formation", "credits": "0.5"},
    ],
}
CT_IMAGE = {
    "code": "ahec-ct-image",
    "provider": "ahec",
    "title": "Image Formation in CT",
    "format": "home-study",
    "price": "30.00",
    "ce_credits": "3.0",
    "url": "https://example.org/c/2",
    "distribution": [{"discipline": "CT", "category": "Image Formation", "credits": "3.0"}],
}
GAGE_LIVE = {
    "code": "gage-ct-live",
    "provider": "gage",
    "title": "CT Live Workshop",
    "format": "live",
    "price": "120.00",
    "ce_credits": "4.0",
    "event_date": "2027-03-01",
    "url": "https://example.org/c/3",
    "distribution": [
        {"discipline": "CT", "category": "Image Formation", "credits": "2.0"},
        {"discipline": "CT", "category": "Radiation Safety and Dose", "credits": "2.0"},
    ],
}

# The contract tests' CT prescription, with one amount written as a JSON number.
PRESCRIPTION = catalog_data.prescription(
    required=[
        {"category": "Image Formation", "credits": "3.0"},
        {"category": "Radiation Safety and Dose", "credits": 1.5},
    ]
)


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    """Throttle counters live in the cache; every test starts with none."""
    cache.clear()


@pytest.fixture
def catalog(ct_outline: Any, alice: Any, charlie: Any) -> dict[str, Any]:
    """Three CT courses: two of ahec (alice's), one of gage (charlie's)."""
    document = {"format": "cqr-catalog/1", "courses": [CT_DOSE, CT_IMAGE, GAGE_LIVE]}
    catalog_import(document=document, source="test")
    return document


def token_client(user: Any) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def alice_api(alice: Any) -> APIClient:
    return token_client(alice)


@pytest.fixture
def bob_api(bob: Any) -> APIClient:
    return token_client(bob)


@pytest.fixture
def charlie_api(charlie: Any) -> APIClient:
    return token_client(charlie)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is an error in the one API format; returns its `error` object."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return dict(error)
