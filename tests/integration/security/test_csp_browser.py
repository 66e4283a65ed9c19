"""In a real chromium: the pages and the API docs run under the Content Security Policy
without a single violation, and Swagger UI (self-hosted) lists every operation."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_violations(page: Any) -> list[str]:
    """Console messages the browser logs when the policy blocks something."""
    seen: list[str] = []
    page.on(
        "console",
        lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return seen


def test_the_api_docs_render_every_operation_under_the_policy(live_server: Any, page: Any) -> None:
    violations = watch_violations(page)
    page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI builds the page from the schema; a busy machine needs more than 5 s.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "CQR CE planning portal API", timeout=30_000
    )
    operations = page.locator(".opblock-summary")
    expect(operations.first).to_be_visible()
    assert operations.count() >= 29
    page.locator("#operations-prescriptions-prescription_create .opblock-summary").click()
    expect(page.get_by_text("cqr-prescription/1").first).to_be_visible()
    assert violations == []


@pytest.mark.parametrize("path", ["/", "/catalog/", "/accounts/login/", "/accounts/signup/"])
def test_pages_load_without_policy_violations(live_server: Any, page: Any, path: str) -> None:
    violations = watch_violations(page)
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    assert violations == []
