"""Responses are compressed: pages by GZipMiddleware, static files by whitenoise (gzip
copies written by collectstatic with debug off, compressed on the fly by `make run`)."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any, cast

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client

from cqr_portal.serving import GZIP, WHITENOISE, compression_middleware, static_storage

pytestmark = pytest.mark.django_db

STATIC = Path(django_settings.BASE_DIR) / "static"
GZIP_ACCEPTED = {"Accept-Encoding": "gzip, deflate"}


def use_mode(settings: Any, *, debug: bool) -> None:
    """The settings' middleware with the compression pair ordered for `debug`."""
    rest = [m for m in django_settings.MIDDLEWARE if m not in (GZIP, WHITENOISE)]
    settings.MIDDLEWARE = [rest[0], *compression_middleware(debug=debug), *rest[1:]]


@pytest.mark.parametrize("debug", [True, False])
def test_pages_are_sent_gzipped(settings: Any, debug: bool, ct_outline: Any) -> None:
    use_mode(settings, debug=debug)
    response = Client().get("/catalog/", headers=GZIP_ACCEPTED)
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert b"Course catalog" in gzip.decompress(response.content)
    plain = Client().get("/catalog/")  # a client that does not accept gzip gets plain text
    assert not plain.has_header("Content-Encoding")


def test_with_debug_on_static_files_are_gzipped_as_they_are_served(settings: Any) -> None:
    use_mode(settings, debug=True)
    settings.WHITENOISE_USE_FINDERS = True  # what debug on means for whitenoise
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/js/htmx.min.js", headers=GZIP_ACCEPTED)
    sent = b"".join(cast(Any, response).streaming_content)
    response.close()
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(sent) == (STATIC / "js" / "htmx.min.js").read_bytes()


def test_with_debug_off_collected_static_files_are_served_precompressed(
    settings: Any, tmp_path: Path
) -> None:
    use_mode(settings, debug=False)
    settings.STATIC_ROOT = tmp_path
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": static_storage(debug=False)},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    url = staticfiles_storage.url("css/site.css")
    assert url != "/static/css/site.css"  # a hashed name, cached for good
    assert (tmp_path / url.removeprefix("/static/")).with_suffix(".css.gz").exists()

    response = Client().get(url, headers=GZIP_ACCEPTED)
    sent = b"".join(cast(Any, response).streaming_content)
    response.close()
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
    assert gzip.decompress(sent) == (STATIC / "css" / "site.css").read_bytes()
