"""Small typed readers for settings taken from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def cache_settings(environ: Mapping[str, str], *, debug: bool) -> dict[str, Any]:
    """CACHES from CACHE_URL (or REDIS_URL): a Redis cache every gunicorn worker, Celery
    worker and host shares, which is where the API's throttle counts live. Without one
    the per-process local-memory cache is used, which is only right for development
    (`make run`): with debug off the portal refuses to start.

    A Redis that does not answer is ignored (django-redis IGNORE_EXCEPTIONS): reads miss
    and writes are dropped, so an outage suspends throttling instead of failing requests.
    """
    url = environ.get("CACHE_URL") or environ.get("REDIS_URL") or ""
    if url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ImproperlyConfigured(
                f"CACHE_URL must be a redis://, rediss:// or unix:// URL, not {url!r}"
            )
        return {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "cqr",
                "OPTIONS": {
                    "IGNORE_EXCEPTIONS": True,
                    "SOCKET_CONNECT_TIMEOUT": 1,
                    "SOCKET_TIMEOUT": 1,
                },
            }
        }
    if not debug:
        raise ImproperlyConfigured(
            "CACHE_URL (or REDIS_URL) must be set when DJANGO_DEBUG is false: the API's "
            "throttles need a cache shared by every worker; refusing to start."
        )
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
