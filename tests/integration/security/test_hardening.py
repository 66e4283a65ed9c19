"""Production settings, Content Security Policy, CSRF, admin access and upload limits."""

from __future__ import annotations

import io
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.uploads import read_upload_limited
from prescriptions.models import Prescription

ROOT = Path(settings.BASE_DIR)


def test_check_deploy_reports_nothing_with_production_settings() -> None:
    # The test run's own DJANGO_ALLOW_ASYNC_UNSAFE (for Playwright) is not a production setting.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "cqr.example.org",
        "CACHE_URL": "redis://cache.internal:6379/1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_DEBUG"] = "false"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


# --- Content Security Policy ----------------------------------------------------------------


def directives(response: Any) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/catalog/", "/accounts/login/", "/api/v1/outlines/"])
def test_pages_carry_a_policy_without_inline_scripts_or_styles(path: str) -> None:
    policy = directives(Client().get(path))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"


BROWSER_TEMPLATES = [
    p for p in (ROOT / "templates").rglob("*.html") if "pdf" not in p.relative_to(ROOT).parts
]
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"""<[^>]*\s(on[a-z]+|hx-on[:\w-]*)\s*=""", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


def test_there_are_templates_to_scan() -> None:
    assert len(BROWSER_TEMPLATES) >= 10
    assert any(p.name == "base.html" for p in BROWSER_TEMPLATES)


@pytest.mark.parametrize(
    "template", BROWSER_TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates"))
)
def test_templates_have_no_inline_script_handler_or_style(template: Path) -> None:
    """The policy blocks inline code, so a template that has some is broken in browsers.
    (templates/pdf/ is rendered by WeasyPrint, never by a browser.)"""
    text = template.read_text(encoding="utf-8")
    for name, pattern in [
        ("inline <script>", INLINE_SCRIPT),
        ("event handler attribute", HANDLER),
        ("javascript: URL", JS_URL),
        ("inline style", INLINE_STYLE),
    ]:
        match = pattern.search(text)
        assert match is None, f"{name} in {template.name}: {match.group(0) if match else ''}"


def test_the_scanner_finds_what_it_looks_for() -> None:
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js" defer></script>')
    assert HANDLER.search('<button type="button" onclick="go()">')
    assert HANDLER.search('<div hx-on:click="go()">')
    assert not HANDLER.search('<a href="/" data-one="x">')
    assert JS_URL.search('<a href="javascript:void(0)">')
    assert INLINE_STYLE.search('<p style="color: red">')


# --- CSRF on forms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/accounts/login/", "/accounts/signup/", "/accounts/password_reset/"],
)
def test_anonymous_forms_refuse_a_post_without_the_csrf_token(path: str, db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.get(path).status_code == 200
    assert client.post(path, {"username": "bob"}).status_code == 403


@pytest.mark.parametrize(
    "path", ["/accounts/logout/", "/prescriptions/new/", "/prescriptions/import/"]
)
def test_signed_in_forms_refuse_a_post_without_the_csrf_token(path: str, bob: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    assert client.post(path, {}).status_code == 403
    assert client.get("/prescriptions/").status_code == 200  # still signed in


def test_a_post_with_the_token_is_accepted(bob: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"username": "bob", "password": "correct-horse-battery", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


# --- Admin -----------------------------------------------------------------------------------


def test_the_admin_is_for_staff_only(bob: Any, alice: Any) -> None:
    client = Client()
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(bob)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(alice)  # provider staff: is_staff
    assert client.get("/admin/").status_code == 200


def test_the_admin_pages_work_under_the_policy(alice: Any) -> None:
    """Django's admin uses no inline scripts: its pages load under script-src 'self'."""
    client = Client()
    client.force_login(alice)
    response = client.get("/admin/")
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert directives(response)["script-src"] == "'self'"


# --- Upload limits ---------------------------------------------------------------------------


def test_an_upload_within_the_limit_is_read_whole() -> None:
    assert read_upload_limited(io.BytesIO(b"x" * 100), 100) == b"x" * 100
    upload = SimpleUploadedFile("p.json", b'{"a": 1}')
    assert read_upload_limited(upload, 100) == b'{"a": 1}'


def test_a_declared_oversize_file_is_refused_before_reading() -> None:
    class Declared(io.BytesIO):
        size = 5_000_000

        def read(self, *args: Any) -> bytes:
            raise AssertionError("must not be read")

    with pytest.raises(ValidationError) as info:
        read_upload_limited(Declared(), 1024)
    assert info.value.code == "upload_too_large"
    assert "the limit is 1.0 KB and this file is 4.8 MB" in info.value.messages[0]


def test_a_stream_is_refused_as_soon_as_it_passes_the_limit() -> None:
    with pytest.raises(ValidationError, match="limit is 100 bytes"):
        read_upload_limited(io.BytesIO(b"x" * 101), 100)


def test_the_prescription_upload_page_refuses_a_file_over_the_limit(
    bob: Any, settings: Any
) -> None:
    settings.PRESCRIPTION_UPLOAD_MAX_BYTES = 100
    client = Client()
    client.force_login(bob)
    upload = SimpleUploadedFile("big.json", b"{" + b" " * 500 + b"}", "application/json")
    response = client.post("/prescriptions/import/", {"file": upload})
    assert response.status_code == 400  # the form again, with the error
    assert "too large" in response.content.decode()
    assert not Prescription.objects.exists()
