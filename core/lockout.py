"""Login lockout (django-axes): the backend that refuses locked-out logins, the handler that
adds an IP-wide limit to the per username+IP one, and the response a locked-out client
gets (the API's error format under /api/, a page elsewhere)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.cache import AxesCacheHandler
from axes.helpers import (
    get_cache,
    get_cache_timeout,
    get_client_cache_keys,
    get_cool_off,
    get_credentials,
    get_lockout_message,
)
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from redis.exceptions import RedisError

from core.api import error_payload

logger = logging.getLogger(__name__)
# What the cache raises when Redis does not answer (django-redis ignores errors on reads
# and writes but not on touch; a missed read gives None, which breaks axes' counting).
CACHE_DOWN = (TypeError, ValueError, RedisError)


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


class LockoutHandler(AxesCacheHandler):
    """AXES_HANDLER: axes' cache handler on the shared cache (`AXES_CACHE`, the default
    cache: Redis from CACHE_URL, which every gunicorn worker and host shares; local memory
    only for `make run`). Counters expire with the cool-off and a failed login writes no
    database row. On top of the per username+IP limit, a second limit per client IP over
    all usernames (CQR_LOGIN_IP_FAILURE_LIMIT), so spraying many usernames from one
    address locks it out too; both cool off after AXES_COOLOFF_TIME, and a successful
    login takes its pair's failures off the address's count.

    A cache that does not answer (a Redis outage; django-redis ignores its errors) reads
    as no failures: logins keep working without lockout until it is back, as the API's
    throttles do, instead of failing with a 500."""

    @property
    def cache(self) -> Any:
        """The cache of this thread, looked up on each use (axes keeps the one it found at
        start-up; Django's caches are per thread, and tests swap CACHES)."""
        return get_cache()

    @cache.setter
    def cache(self, value: Any) -> None:
        pass  # AxesCacheHandler.__init__ stores get_cache(): the property replaces it

    def get_failures(self, request: HttpRequest, credentials: Any = None) -> int:
        keys = get_client_cache_keys(request, credentials)
        return max((int(self.cache.get(key) or 0) for key in keys), default=0)

    def is_locked(self, request: HttpRequest, credentials: Any = None) -> bool:
        return bool(super().is_locked(request, credentials)) or self._ip_locked(request)

    def user_login_failed(
        self, sender: Any, credentials: Any, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return
        request.axes_failures_since_start = None  # type: ignore[attr-defined]
        address = getattr(request, "axes_ip_address", None)
        try:
            super().user_login_failed(sender, credentials, request, **kwargs)
            if getattr(request, "axes_failures_since_start", None) is None:
                return  # not counted (already locked out, or whitelisted)
            if address:
                self._count(_ip_key(address), get_cache_timeout(request))
        except CACHE_DOWN:
            logger.warning("login failure not counted: the lockout cache is unavailable")
            return
        if not getattr(request, "axes_locked_out", False) and self._ip_locked(request):
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = credentials  # type: ignore[attr-defined]

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
        address = getattr(request, "axes_ip_address", None)
        if settings.AXES_RESET_ON_SUCCESS and address:
            pair = self.get_failures(request, get_credentials(user.get_username()))
            if pair:
                # ValueError: the address's count expired meanwhile.
                with contextlib.suppress(*CACHE_DOWN):
                    self.cache.decr(_ip_key(address), pair)
        super().user_logged_in(sender, request, user, **kwargs)

    def _count(self, key: str, timeout: int | None) -> None:
        if not self.cache.add(key, 1, timeout=timeout):
            try:
                self.cache.incr(key)
                self.cache.touch(key, timeout=timeout)
            except ValueError:  # expired between add and incr
                self.cache.add(key, 1, timeout=timeout)

    def _ip_locked(self, request: HttpRequest) -> bool:
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return False
        failures = int(self.cache.get(_ip_key(address)) or 0)
        return failures >= int(settings.CQR_LOGIN_IP_FAILURE_LIMIT)


def _ip_key(address: str) -> str:
    """The cache key of one client address's failures over all usernames."""
    return "axes-ip-" + hashlib.sha256(address.encode()).hexdigest()


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
