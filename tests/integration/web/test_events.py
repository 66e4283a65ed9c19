"""A webinar or live event takes place on its date: pages and the PDF say "takes place on",
not "complete by" (self-paced courses keep "start by / complete by"), and it cannot be
marked done before that day, in the page, the API and the service."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import Course
from plans import services
from plans.models import PlanItem
from prescriptions.models import Prescription
from prescriptions.selectors.wording import human_date
from tests.integration.web.conftest import WebCatalog
from tests.integration.web.test_plan import page_text, pdf_text

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
REFUSED = "takes place on {day}: it can be marked done on or after that day."


def webinar_item(prescription: Prescription, catalog: WebCatalog) -> PlanItem:
    return PlanItem.objects.get(plan__prescription=prescription, course=catalog.image)


def test_the_bundles_page_says_takes_place_on_for_the_webinar_only(
    client: Any, webinar_plan: Prescription, webinar_day: date
) -> None:
    text = page_text(client.get(reverse("prescriptions:detail", args=[webinar_plan.pk])))
    assert f"Takes place on {human_date(webinar_day)}" in text
    assert "Complete by " in text  # the self-paced dose course
    assert f"Complete by {human_date(webinar_day)}" not in text


def test_the_plan_page_says_when_it_can_be_marked_done(
    client: Any, webinar_plan: Prescription, catalog: WebCatalog, webinar_day: date
) -> None:
    response = client.get(reverse("prescriptions:plan", args=[webinar_plan.pk]))
    text = page_text(response)
    day = human_date(webinar_day)
    assert f"Takes place on {day} : you can mark it done from that day." in text
    item = webinar_item(webinar_plan, catalog)
    html = response.content.decode()
    assert (
        f'action="{reverse("prescriptions:item_done", args=[webinar_plan.pk, item.pk])}"'
        not in html
    )
    dose = PlanItem.objects.get(plan__prescription=webinar_plan, course=catalog.dose)
    assert f'action="{reverse("prescriptions:item_done", args=[webinar_plan.pk, dose.pk])}"' in html


def test_marking_it_done_before_its_day_is_refused_with_the_message(
    client: Any, webinar_plan: Prescription, catalog: WebCatalog, webinar_day: date
) -> None:
    item = webinar_item(webinar_plan, catalog)
    response = client.post(
        reverse("prescriptions:item_done", args=[webinar_plan.pk, item.pk]),
        {f"item{item.pk}-done_on": TODAY.isoformat()},
    )
    assert response.status_code == 400
    assert REFUSED.format(day=human_date(webinar_day)) in page_text(response)
    item.refresh_from_db()
    assert item.status == PlanItem.Status.PLANNED


def test_the_api_refuses_it_on_done_on(
    bob: Any, webinar_plan: Prescription, catalog: WebCatalog, webinar_day: date
) -> None:
    api = APIClient()
    api.force_authenticate(bob)
    item = webinar_item(webinar_plan, catalog)
    url = f"/api/v1/prescriptions/{webinar_plan.pk}/plan/items/{item.pk}/done/"
    response = api.post(url, {}, format="json")
    assert response.status_code == 400, response.content
    (detail,) = response.json()["error"]["details"]
    assert detail["field"] == "done_on"
    assert REFUSED.format(day=human_date(webinar_day)) in detail["message"]
    item.refresh_from_db()
    assert item.status == PlanItem.Status.PLANNED


def test_once_it_took_place_it_can_be_marked_done_on_its_day_not_before(
    webinar_plan: Prescription, catalog: WebCatalog
) -> None:
    yesterday = TODAY - timedelta(days=1)
    Course.objects.filter(pk=catalog.image.pk).update(event_date=yesterday)
    item = webinar_item(webinar_plan, catalog)
    with pytest.raises(ValidationError) as caught:
        services.plan_item_mark_done(item=item, done_on=yesterday - timedelta(days=1))
    assert list(caught.value.error_dict) == ["done_on"]
    item.refresh_from_db()
    services.plan_item_mark_done(item=item, done_on=yesterday)
    item.refresh_from_db()
    assert (item.status, item.done_on) == (PlanItem.Status.DONE, yesterday)


def test_a_self_paced_course_can_be_marked_done_any_day_before_its_due_date(
    webinar_plan: Prescription, catalog: WebCatalog
) -> None:
    dose = PlanItem.objects.get(plan__prescription=webinar_plan, course=catalog.dose)
    services.plan_item_mark_done(item=dose, done_on=TODAY)
    dose.refresh_from_db()
    assert dose.status == PlanItem.Status.DONE


def test_the_pdf_says_takes_place_on_and_keeps_start_by_for_self_paced(
    client: Any, webinar_plan: Prescription, catalog: WebCatalog, webinar_day: date, tmp_path: Path
) -> None:
    response = client.get(reverse("prescriptions:plan_pdf", args=[webinar_plan.pk]))
    text = pdf_text(response.content, tmp_path)
    day = f"{webinar_day:%b} {webinar_day.day}, {webinar_day.year}"
    assert f"Takes place on {day}: CT Image Formation Deep Dive" in text
    assert "Start by " in text and ", complete by " in text  # the dose course's schedule line
    assert f"Complete by {day}: CT Image Formation" not in text
