"""Throttle counters live in a cache every worker shares (Redis from CACHE_URL or
REDIS_URL); the per-process local-memory cache is only for development, and production
refuses to start without a shared one. A Redis outage never turns a request into a 500."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
import redis
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from rest_framework.test import APIClient

from cqr_portal.env import cache_settings
from tests.integration.security.test_login_lockout import login

pytestmark = pytest.mark.django_db


def test_a_cache_url_gives_the_shared_redis_cache() -> None:
    caches = cache_settings({"CACHE_URL": "redis://cache.internal:6379/2"}, debug=False)
    assert caches["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert caches["default"]["LOCATION"] == "redis://cache.internal:6379/2"
    assert caches["default"]["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    fallback = cache_settings({"REDIS_URL": "redis://r:6379/0"}, debug=False)
    assert fallback["default"]["LOCATION"] == "redis://r:6379/0"


def test_local_memory_is_only_for_development() -> None:
    caches = cache_settings({}, debug=True)
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_settings({}, debug=False)
    with pytest.raises(ImproperlyConfigured, match="redis://"):
        cache_settings({"CACHE_URL": "memcached://x"}, debug=False)


def redis_url() -> str:
    url = os.environ.get("CQR_TEST_REDIS_URL")
    if not url:
        pytest.skip("set CQR_TEST_REDIS_URL to test against a real Redis")
    return url


def test_throttle_counts_are_kept_in_the_shared_redis(settings: Any) -> None:
    url = redis_url()
    prefix = f"cqr-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {**cache_settings({"CACHE_URL": url}, debug=False)["default"],
                    "KEY_PREFIX": prefix}
    }  # fmt: skip
    settings.CQR_API_THROTTLE_ANON = "2/minute"
    client = APIClient()
    try:
        assert client.get("/api/v1/courses/").status_code == 200
        assert client.get("/api/v1/courses/").status_code == 200
        assert client.get("/api/v1/courses/").status_code == 429
        # The count is in Redis, where every gunicorn worker reads it.
        raw = redis.Redis.from_url(url)
        keys = raw.keys(f"{prefix}:*throttle_anon*")
        assert keys, raw.keys(f"{prefix}:*")
    finally:
        raw = redis.Redis.from_url(url)
        for key in raw.scan_iter(f"{prefix}:*"):
            raw.delete(key)


def test_an_unreachable_cache_does_not_fail_requests(settings: Any) -> None:
    dead = cache_settings({"CACHE_URL": "redis://127.0.0.1:1/0"}, debug=False)
    settings.CACHES = dead
    assert APIClient().get("/api/v1/courses/").status_code == 200


def test_login_lockout_counters_are_kept_in_the_shared_redis(bob: Any, settings: Any) -> None:
    url = redis_url()
    prefix = f"cqr-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {**cache_settings({"CACHE_URL": url}, debug=False)["default"],
                    "KEY_PREFIX": prefix}
    }  # fmt: skip
    settings.AXES_FAILURE_LIMIT = 2
    raw = redis.Redis.from_url(url)
    try:
        client = Client(REMOTE_ADDR="203.0.113.20")
        assert login(client, "bob", "nope").status_code == 200
        keys: list[bytes] = list(raw.scan_iter(f"{prefix}:*axes-*"))
        # One counter for bob from that address, one for the address over all usernames,
        # each expiring with the cool-off (1 hour).
        assert len(keys) == 2, raw.keys(f"{prefix}:*")
        assert all(3500 < int(raw.ttl(key)) <= 3600 for key in keys)  # type: ignore[arg-type]
        # Another worker (a new client, the same Redis) sees the count and locks out.
        assert login(Client(REMOTE_ADDR="203.0.113.20"), "bob", "nope").status_code == 429
    finally:
        for key in raw.scan_iter(f"{prefix}:*"):
            raw.delete(key)


def test_an_unreachable_cache_does_not_fail_logins(bob: Any, settings: Any) -> None:
    settings.CACHES = cache_settings({"CACHE_URL": "redis://127.0.0.1:1/0"}, debug=False)
    client = Client()
    for _ in range(3):
        assert login(client, "bob", "nope").status_code == 200  # not counted, no 500
    assert login(client, "bob", "correct-horse-battery").status_code == 302
