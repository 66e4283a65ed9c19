"""The OpenAPI schema is valid, warning-free and covers every API route; the docs page is
self-hosted and runs under the Content Security Policy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient


def test_the_schema_validates_without_warnings(tmp_path: Path) -> None:
    # --fail-on-warn turns any drf-spectacular warning (an undescribed response, an
    # unresolvable field, an enum collision) into an error.
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3.0.3")


def api_routes() -> set[str]:
    """Every /api/v1/ route of the URL configuration, in OpenAPI path syntax."""
    routes: set[str] = set()

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
                routes.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))

    walk(get_resolver().url_patterns, "")
    return routes


@pytest.mark.django_db
def test_the_served_schema_documents_every_api_route(anon: APIClient) -> None:
    response = anon.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == api_routes()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert any(code.startswith("2") for code in codes), (path, method)
            assert "429" in codes, (path, method)  # throttling can answer anything


@pytest.mark.django_db
def test_the_docs_page_is_self_hosted_and_has_no_inline_script(anon: APIClient) -> None:
    response = anon.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, html
    for tag in scripts:
        src = re.search(r'src="([^"]+)"', tag)
        assert src, f"inline script on the docs page: {tag}"
        assert src.group(1).startswith("/"), f"script from another origin: {tag}"
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn." not in html
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy)
    assert script_src and script_src.group(1).strip() == "'self'", policy
    init = anon.get("/api/docs/?script=")
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in init.content.decode()


def test_the_swagger_assets_ship_with_the_project() -> None:
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{name}"), name
