"""The private calendar subscription: a secret link per prescription that works without
logging in, has the plan's alarms and no personal data, and 404s once renewed or stopped."""

from __future__ import annotations

import re
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from followup.models import CalendarFeed
from prescriptions.models import Prescription
from tests.factories import UserFactory
from tests.integration.web.conftest import WebCatalog, make_prescription
from tests.integration.web.test_plan import choose

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(
    client: Any, bob: Any, catalog: WebCatalog, django_capture_on_commit_callbacks: Any
) -> Prescription:
    bob.first_name, bob.last_name, bob.email = "Robert", "Quillfeather", "robert@example.org"
    bob.save()
    with django_capture_on_commit_callbacks(execute=True):
        prescription = make_prescription(bob, hours_per_week="2")
    client.force_login(bob)
    choose(client, prescription)
    return prescription


def link(client: Any, prescription: Prescription, action: str) -> Any:
    return client.post(
        reverse("followup:calendar_link", args=[prescription.pk]), {"action": action}
    )


def feed_path(prescription: Prescription) -> str:
    token = CalendarFeed.objects.get(prescription=prescription).token
    return reverse("followup:calendar_feed", args=[token])


def test_the_plan_page_offers_the_link_and_anyone_with_it_gets_the_calendar(
    client: Any, planned: Prescription
) -> None:
    plan_url = reverse("prescriptions:plan", args=[planned.pk])
    assert "Make my calendar link" in client.get(plan_url).content.decode()
    response = link(client, planned, "create")
    assert response.status_code == 302
    assert response["Location"] == f"{plan_url}#calendar-feed"
    token = CalendarFeed.objects.get(prescription=planned).token
    assert len(token) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    page = client.get(plan_url).content.decode()
    assert "Copy this link into your calendar app" in page
    assert f"http://testserver/followup/calendar/{token}.ics" in page

    response = Client().get(feed_path(planned))  # a calendar app: no session
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-cache"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "CQR plan: CT CQR"
    assert calendar.decoded("REFRESH-INTERVAL").total_seconds() == 12 * 3600
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 5  # two courses due, their two start-by days, the deadline
    assert all(list(e.walk("VALARM")) for e in events)  # every event has its reminders
    text = response.content.decode()
    for personal in ("Robert", "Quillfeather", "robert@example.org", "bob"):
        assert personal not in text


def test_creating_twice_keeps_the_link(client: Any, planned: Prescription) -> None:
    link(client, planned, "create")
    first = feed_path(planned)
    link(client, planned, "create")
    assert feed_path(planned) == first


def test_a_new_link_makes_the_old_one_404(client: Any, planned: Prescription) -> None:
    link(client, planned, "create")
    old = feed_path(planned)
    response = link(client, planned, "renew")
    assert response.status_code == 302
    new = feed_path(planned)
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_stopping_the_link_makes_it_404(client: Any, planned: Prescription) -> None:
    link(client, planned, "create")
    old = feed_path(planned)
    link(client, planned, "stop")
    assert not CalendarFeed.objects.filter(prescription=planned).exists()
    assert Client().get(old).status_code == 404
    assert (
        "Make my calendar link"
        in client.get(reverse("prescriptions:plan", args=[planned.pk])).content.decode()
    )


def test_an_unknown_token_is_not_found(client: Any, planned: Prescription) -> None:
    link(client, planned, "create")
    token = CalendarFeed.objects.get(prescription=planned).token
    for wrong in (token[:-1], token.upper() if token.upper() != token else token.lower(), "x"):
        assert Client().get(reverse("followup:calendar_feed", args=[wrong])).status_code == 404


def test_another_user_can_neither_see_nor_change_the_link(
    client: Any, planned: Prescription, catalog: WebCatalog, django_capture_on_commit_callbacks: Any
) -> None:
    link(client, planned, "create")
    token = CalendarFeed.objects.get(prescription=planned).token
    mallory = cast(Any, UserFactory(username="mallory"))
    with django_capture_on_commit_callbacks(execute=True):
        hers = make_prescription(mallory)
    other = Client()
    other.force_login(mallory)
    for action in ("create", "renew", "stop"):
        assert link(other, planned, action).status_code == 404
    assert CalendarFeed.objects.get(prescription=planned).token == token
    assert other.get(reverse("prescriptions:plan", args=[planned.pk])).status_code == 404
    assert token not in other.get(reverse("prescriptions:plan", args=[hers.pk])).content.decode()
    link(other, hers, "create")
    assert CalendarFeed.objects.get(prescription=hers).token != token
    assert (
        Client()
        .post(  # signed out: to the login page, nothing made
            reverse("followup:calendar_link", args=[planned.pk]), {"action": "renew"}
        )
        .status_code
        == 302
    )
    assert CalendarFeed.objects.get(prescription=planned).token == token


def test_an_unknown_action_changes_nothing_and_says_so(client: Any, planned: Prescription) -> None:
    link(client, planned, "create")
    before = feed_path(planned)
    response = client.post(
        reverse("followup:calendar_link", args=[planned.pk]), {"action": "delete"}, follow=True
    )
    assert "Calendar link of “CT CQR”: unknown action “delete”" in response.content.decode()
    assert feed_path(planned) == before


def test_the_feed_escapes_stored_text(client: Any, planned: Prescription) -> None:
    Prescription.objects.filter(pk=planned.pk).update(title="Mine\r\nBEGIN:VEVENT\r\nX:1")
    link(client, planned, "create")
    content = Client().get(feed_path(planned)).content
    lines = content.split(b"\r\n")
    assert not [line for line in lines if line.startswith(b"X:1")]
    assert sum(line == b"BEGIN:VEVENT" for line in lines) == 5
    events = Calendar.from_ical(content).walk("VEVENT")
    deadline = [e for e in events if "deadline" in str(e["UID"])]
    assert str(deadline[0]["SUMMARY"]) == "CQR deadline: Mine BEGIN:VEVENT X:1"


def test_a_prescription_kept_as_history_empties_the_subscribed_calendar(
    client: Any, planned: Prescription
) -> None:
    link(client, planned, "create")
    path = feed_path(planned)
    assert Calendar.from_ical(Client().get(path).content).walk("VEVENT")
    planned.status = Prescription.Status.COMPLETED
    planned.save(update_fields=["status"])
    response = Client().get(path)
    assert response.status_code == 200
    feed = Calendar.from_ical(response.content)
    assert feed.walk("VEVENT") == []  # the calendar app drops the old events
    assert str(feed["X-WR-CALNAME"]).endswith("(completed)")
