"""API tokens: create, use, revoke; repeated wrong passwords lock out."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from tests.integration.api.conftest import assert_error

TOKEN_URL = "/api/v1/auth/token/"


def ask(client: APIClient, username: str, password: str) -> Any:
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def test_a_token_authenticates_api_calls(anon: APIClient, bob: Any) -> None:
    response = ask(anon, "bob", "correct-horse-battery")
    assert response.status_code == 200
    assert response.json()["username"] == "bob"
    anon.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert anon.get("/api/v1/prescriptions/").status_code == 200
    # The same token every time until it is revoked.
    assert ask(APIClient(), "bob", "correct-horse-battery").json() == response.json()


def test_a_wrong_password_gets_no_token(anon: APIClient, bob: Any) -> None:
    error = assert_error(ask(anon, "bob", "wrong"), 400, "validation_error")
    assert "Unable to log in" in error["message"]


def test_an_inactive_user_gets_no_token(anon: APIClient, bob: Any) -> None:
    bob.is_active = False
    bob.save()
    assert_error(ask(anon, "bob", "correct-horse-battery"), 400)


def test_a_revoked_token_stops_working(anon: APIClient, bob: Any) -> None:
    key = ask(anon, "bob", "correct-horse-battery").json()["token"]
    anon.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert anon.post("/api/v1/auth/token/delete/").status_code == 204
    assert_error(anon.get("/api/v1/prescriptions/"), 401)
    assert ask(APIClient(), "bob", "correct-horse-battery").json()["token"] != key


def test_repeated_wrong_passwords_lock_the_username_out(
    anon: APIClient, bob: Any, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert ask(anon, "bob", "wrong").status_code == 400
    error = assert_error(ask(anon, "bob", "wrong"), 429, "locked_out")
    assert "Too many failed login attempts" in error["message"]
    # Locked even with the right password now, until the cool-off ends...
    locked = ask(anon, "bob", "correct-horse-battery")
    assert_error(locked, 429, "locked_out")
    assert int(locked["Retry-After"]) == 3600
    # ...while another username from the same address is not affected.
    assert ask(anon, "alice", "wrong").status_code == 400


def test_session_authentication_still_enforces_csrf(bob: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(bob)
    assert client.get("/api/v1/prescriptions/").status_code == 200
    response = client.post("/api/v1/prescriptions/create/", {}, format="json")
    error = assert_error(response, 403, "permission_denied")
    assert "CSRF" in error["message"]
