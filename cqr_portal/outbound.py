"""Where the portal sends mail and keeps uploaded files, read from the environment.

EMAIL_URL=smtp://user:password@host:587?tls=1    (or smtps:// for implicit TLS,
console://, locmem://, dummy://; unset: the console backend)
CQR_STORAGE_BUCKET=name                           (unset: files under MEDIA_ROOT)
CQR_STORAGE_ENDPOINT_URL, CQR_STORAGE_REGION, CQR_STORAGE_PREFIX,
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY        (read by boto3 itself)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
_TRUE = {"1", "true", "yes", "on"}


def email_settings_from_url(url: str) -> dict[str, Any]:
    """Django EMAIL_* settings from an `EMAIL_URL` (see the module docstring)."""
    if not url:
        return {"EMAIL_BACKEND": BACKENDS["console"]}
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in BACKENDS:
        raise ImproperlyConfigured(
            f"EMAIL_URL has the scheme {scheme!r}; use one of {', '.join(sorted(BACKENDS))}."
        )
    result: dict[str, Any] = {"EMAIL_BACKEND": BACKENDS[scheme]}
    if scheme not in {"smtp", "smtps"}:
        return result
    if not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL names no host (smtp://host:port).")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"EMAIL_URL has an invalid port: {exc}") from exc
    result.update(
        EMAIL_HOST=parts.hostname,
        EMAIL_PORT=port or (465 if scheme == "smtps" else 25),
        EMAIL_HOST_USER=unquote(parts.username or ""),
        EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
        EMAIL_USE_SSL=scheme == "smtps",
        EMAIL_USE_TLS=scheme == "smtp" and query.get("tls", "").lower() in _TRUE,
        EMAIL_TIMEOUT=int(query.get("timeout", "30")),
    )
    return result


def default_storage_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """The STORAGES["default"] entry: an S3-compatible bucket when CQR_STORAGE_BUCKET is
    set (django-storages), else the local file system under MEDIA_ROOT."""
    bucket = env.get("CQR_STORAGE_BUCKET", "").strip()
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "default_acl": "private",  # certificates are reached only through the owner's view
        "querystring_auth": True,
        "file_overwrite": False,
        "location": env.get("CQR_STORAGE_PREFIX", "").strip("/"),
    }
    if env.get("CQR_STORAGE_ENDPOINT_URL"):
        options["endpoint_url"] = env["CQR_STORAGE_ENDPOINT_URL"]
    if env.get("CQR_STORAGE_REGION"):
        options["region_name"] = env["CQR_STORAGE_REGION"]
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
