"""What a person sees when a request is refused: the 413 page of an upload over the limit
(with the limit), and the plan page saying the plan changed meanwhile (409); both pass
axe-core."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from plans import services
from tests.browser.conftest import shot
from tests.browser.test_technologist import assert_accessible, log_in
from tests.integration.web.conftest import build_catalog, make_prescription
from tests.integration.web.test_plan import best_bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_upload_over_the_limit_gets_a_page_with_the_limit(
    live_server: Any, page: Any, bob: Any, settings: Any
) -> None:
    settings.PRESCRIPTION_UPLOAD_MAX_BYTES = 1024
    build_catalog()
    log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/prescriptions/import/")
    page.set_input_files(
        "#id_file",
        files=[{"name": "rx.json", "mimeType": "application/json", "buffer": b" " * 90_000}],
    )
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    alert = page.get_by_role("alert")
    assert "The request is too large: the limit is 1.0 KB" in alert.inner_text()
    shot(page, "hostile-413")
    assert_accessible(page, "413 page")


def test_marking_done_twice_shows_the_plan_with_what_happened(
    live_server: Any, page: Any, bob: Any
) -> None:
    build_catalog()
    prescription = make_prescription(bob)
    plan = services.plan_choose(prescription=prescription, bundle=best_bundle(prescription))
    item = plan.items.all()[0]
    yesterday = timezone.localdate() - timedelta(days=1)
    log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/prescriptions/{prescription.pk}/plan/")
    services.plan_item_mark_done(item=item, done_on=yesterday)  # in another tab, meanwhile
    form = page.locator(f"form[action$='/plan/items/{item.pk}/done/']")
    form.locator("input[type=date]").fill(yesterday.isoformat())
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "is already marked done" in page.locator(".messages").inner_text()
    shot(page, "hostile-409-plan")
    assert_accessible(page, "plan page with a conflict")
