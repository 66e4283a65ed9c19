"""Login lockout (django-axes): the backend that refuses locked-out logins, the handler that
adds an IP-wide limit to the per username+IP one, and the response a locked-out client
gets (the API's error format under /api/, a page elsewhere)."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_lockout_message
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone

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


class LockoutHandler(AxesDatabaseHandler):
    """AXES_HANDLER: axes' database handler (attempts are rows, so every gunicorn worker
    and host sees the same counts) with a second limit per client IP over all usernames
    (CQR_LOGIN_IP_FAILURE_LIMIT), so spraying many usernames from one address locks it
    out too. Both cool off after AXES_COOLOFF_TIME."""

    def is_locked(self, request: HttpRequest, credentials: Any = None) -> bool:
        return bool(super().is_locked(request, credentials)) or self._ip_locked(request)

    def user_login_failed(
        self, sender: Any, credentials: Any, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if self._ip_locked(request):
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = credentials  # type: ignore[attr-defined]

    def _ip_locked(self, request: HttpRequest) -> bool:
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return False
        attempts = AccessAttempt.objects.filter(ip_address=address)
        cool_off = get_cool_off(request)
        if cool_off:
            attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
        failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
        return bool(failures >= int(settings.CQR_LOGIN_IP_FAILURE_LIMIT))


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
