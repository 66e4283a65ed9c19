"""While rendering a PDF, WeasyPrint reads only data: URIs and the project's static files."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from core.pdf import static_only_fetcher

STATIC = Path(settings.BASE_DIR) / "static"


def test_a_static_file_is_read() -> None:
    stylesheet = next(STATIC.glob("css/*.css"))
    response = static_only_fetcher().fetch(stylesheet.resolve().as_uri())
    assert response.read() == stylesheet.read_bytes()


def test_a_data_uri_is_read() -> None:
    assert static_only_fetcher().fetch("data:text/plain,hello").read() == b"hello"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/hostname",
        (STATIC / ".." / "cqr_portal" / "settings.py").as_uri(),  # out of static/ by ..
        Path(settings.BASE_DIR, "manage.py").resolve().as_uri(),
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/logo.png",
    ],
)
def test_any_other_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        static_only_fetcher().fetch(url)
