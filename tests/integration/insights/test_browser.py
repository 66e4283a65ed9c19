"""Provider staff use the insights pages in a real chromium: accessible, CSP-clean, one click."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from catalog.models import OutlineVersion, Package, Provider
from tests.browser.conftest import axe_violations, shot
from tests.factories import make_outline
from tests.integration.insights.conftest import CHEST, DOSE, FORMATION, course, shared_rx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_staff_read_the_heat_map_and_create_the_suggested_package(
    live_server: Any, page: Any, alice: Any
) -> None:
    outline: OutlineVersion = make_outline()
    ahec = Provider.objects.get(code="ahec")
    course(ahec, "a-dose", outline, {DOSE: "2"}, price="30.00")
    course(ahec, "a-chest", outline, {CHEST: "2", FORMATION: "1"}, price="25.00")
    for _ in range(6):
        shared_rx(outline, {DOSE: "1.5", CHEST: "2"})
    for _ in range(3):
        shared_rx(outline, {FORMATION: "1"})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    log_in(page, live_server, alice)

    page.goto(f"{live_server.url}/provider/insights/")
    heatmap = page.get_by_role("table", name="Computed Tomography: prescribed CQR credits")
    expect(heatmap).to_be_visible()
    expect(heatmap.get_by_role("row", name="Radiation Safety and Dose")).to_contain_text("9.00")
    expect(heatmap.get_by_role("row", name="Image Formation")).to_contain_text("fewer than 5")
    shot(page, "insights-dashboard")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Suggest a package for CT").click()
    expect(page.get_by_text("100%")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Price").fill("44.00")
    page.get_by_role("button", name="Create package").click()
    expect(page.get_by_text("Package ahec-ct-mix-1 created with 2 courses")).to_be_visible()
    assert Package.objects.get(code="ahec-ct-mix-1").price == 44
    assert problems == []  # no CSP violation, no failed asset
