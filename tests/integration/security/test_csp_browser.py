"""In a real chromium: the API docs run under the Content Security Policy without a single
violation, and Swagger UI (self-hosted) lists every operation. (Every page the phone
layout test visits is checked for violations there.)"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import policy_violations, watch_policy_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_every_operation_under_the_policy(live_server: Any, page: Any) -> None:
    watch_policy_violations(page.context)
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
    assert policy_violations(page) == []
