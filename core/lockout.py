"""Login lockout (django-axes): the backend that refuses locked-out logins and the response
a locked-out client gets (the API's error format under /api/, a page elsewhere)."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off, get_lockout_message
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from core.api import error_payload


class LockoutBackend(AxesStandaloneBackend):
    """AxesStandaloneBackend for logins that come with a request.

    Locking out is per username and client IP, so it needs the request; a call without one
    (`authenticate()` from a shell or the test client's `login()`) is not an HTTP login
    attempt, and is left to the next backend instead of being refused with an error.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username=username, password=password, **kwargs)
        return None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with the reason, in the API format for /api/ paths."""
    status = int(getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429))
    message = str(get_lockout_message())
    cool_off = get_cool_off(request)
    if cool_off:
        minutes = int(cool_off.total_seconds() // 60)
        message = f"Too many failed login attempts; try again in {minutes} minutes."
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_payload("locked_out", message), status=status)
    else:
        html = render_to_string("registration/locked_out.html", {"message": message}, request)
        response = HttpResponse(html, status=status)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
