"""The plan's calendar: events on their dates, reminders (VALARM), start-by events, and
stored text that can never break the file."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from catalog.models import Course
from plans.models import PlanItem
from prescriptions.models import Prescription
from tests.integration.web.conftest import WebCatalog

pytestmark = pytest.mark.django_db


def events_by_uid(content: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def triggers(event: Any) -> list[timedelta]:
    return [alarm.decoded("TRIGGER") for alarm in event.walk("VALARM")]


def ics(client: Any, prescription: Prescription) -> bytes:
    response = client.get(reverse("prescriptions:plan_ics", args=[prescription.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return bytes(response.content)


def test_a_webinar_is_an_event_on_its_day_reminded_a_week_and_a_day_before(
    client: Any, webinar_plan: Prescription, catalog: WebCatalog, webinar_day: date
) -> None:
    events = events_by_uid(ics(client, webinar_plan))
    webinar = events[f"cqr-prescription-{webinar_plan.pk}-course-{catalog.image.pk}@cqr-planner"]
    assert webinar.decoded("DTSTART") == webinar_day  # a date: all day
    assert str(webinar["SUMMARY"]) == "Webinar: CT Image Formation Deep Dive"
    # 9:00 a week before and 9:00 the day before the (all-day) event.
    assert triggers(webinar) == [timedelta(days=-7, hours=9), timedelta(days=-1, hours=9)]
    assert all(str(a["ACTION"]) == "DISPLAY" for a in webinar.walk("VALARM"))
    assert f"{webinar_plan.pk}-course-{catalog.image.pk}-start@cqr-planner" not in " ".join(events)


def test_a_self_paced_course_has_its_due_date_and_a_start_by_reminder(
    client: Any, webinar_plan: Prescription, catalog: WebCatalog
) -> None:
    events = events_by_uid(ics(client, webinar_plan))
    key = f"cqr-prescription-{webinar_plan.pk}-course-{catalog.dose.pk}"
    due = events[f"{key}@cqr-planner"]
    item = PlanItem.objects.get(plan__prescription=webinar_plan, course=catalog.dose)
    assert due.decoded("DTSTART") == item.complete_by
    assert triggers(due) == [timedelta(days=-7, hours=9), timedelta(days=-1, hours=9)]
    start = events[f"{key}-start@cqr-planner"]
    # The webinar's 4 hours come first at 1 hour a week: the dose course starts on day 28.
    assert start.decoded("DTSTART") == timezone.localdate() + timedelta(days=28)
    assert str(start["SUMMARY"]) == "Start CE: CT Dose in Practice"
    assert triggers(start) == [timedelta(hours=9)]  # 9:00 on the start day


def test_the_deadline_is_reminded_90_30_and_7_days_before(
    client: Any, webinar_plan: Prescription
) -> None:
    events = events_by_uid(ics(client, webinar_plan))
    deadline = events[f"cqr-prescription-{webinar_plan.pk}-deadline@cqr-planner"]
    assert deadline.decoded("DTSTART") == webinar_plan.deadline
    assert triggers(deadline) == [
        timedelta(days=-90, hours=9),
        timedelta(days=-30, hours=9),
        timedelta(days=-7, hours=9),
    ]
    texts = [str(a["DESCRIPTION"]) for a in deadline.walk("VALARM")]
    assert texts[0].startswith("Your CQR deadline in 90 days")


def test_a_course_marked_done_leaves_the_calendar(
    client: Any, webinar_plan: Prescription, catalog: WebCatalog
) -> None:
    PlanItem.objects.filter(plan__prescription=webinar_plan, course=catalog.dose).update(
        status=PlanItem.Status.DONE, done_on=timezone.localdate()
    )
    uids = set(events_by_uid(ics(client, webinar_plan)))
    assert not [u for u in uids if f"course-{catalog.dose.pk}" in u]
    assert f"cqr-prescription-{webinar_plan.pk}-course-{catalog.image.pk}@cqr-planner" in uids


def test_line_breaks_and_controls_in_stored_text_never_break_the_file(
    client: Any, webinar_plan: Prescription, catalog: WebCatalog
) -> None:
    evil = "Evil\r\nBEGIN:VEVENT\r\nSUMMARY:pwned;x,y\\\rEND:VCALENDAR\x0b\x07"
    Course.objects.filter(pk=catalog.dose.pk).update(
        title=evil, url="https://ahec.example.org/ct-dose\r\nX-INJECTED:1"
    )
    Prescription.objects.filter(pk=webinar_plan.pk).update(title="Mine\r\nX-INJECTED:2\rend")
    content = ics(client, webinar_plan)
    lines = content.split(b"\r\n")
    assert not [line for line in lines if b"\r" in line or b"\n" in line]
    assert not [line for line in lines if line.startswith((b"X-INJECTED", b"SUMMARY:pwned"))]
    assert sum(line == b"BEGIN:VEVENT" for line in lines) == 4  # webinar, due, start, deadline
    events = events_by_uid(content)
    due = events[f"cqr-prescription-{webinar_plan.pk}-course-{catalog.dose.pk}@cqr-planner"]
    assert str(due["SUMMARY"]) == "CE due: Evil BEGIN:VEVENT SUMMARY:pwned;x,y\\ END:VCALENDAR"
    assert "URL" not in due  # a URL with a line break is left out, not written
    calendar = Calendar.from_ical(content)
    assert str(calendar["X-WR-CALNAME"]) == "CQR plan: Mine X-INJECTED:2 end"
