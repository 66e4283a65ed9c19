"""The plan as an iCalendar file: stable-UID all-day events for due dates and deadlines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from icalendar import Calendar as ICalendar
from icalendar import Event as ICalEvent

from prescriptions.models import Prescription
from prescriptions.selectors.plan_document import PlanDocument


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    day: date
    summary: str
    description: str
    url: str = ""


def calendar_ics(events: Sequence[CalendarEvent], *, name: str) -> bytes:
    """An iCalendar file of all-day events; UIDs are stable so re-imports update events."""
    calendar = ICalendar()
    calendar.add("prodid", "-//CQR Planner//plan//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for item in events:
        event = ICalEvent()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", item.summary)
        event.add("description", item.description)
        if item.url:
            event.add("url", item.url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def calendar_events(*, prescription: Prescription, document: PlanDocument) -> list[CalendarEvent]:
    """One all-day event per course still to do (its due date) plus the deadline."""
    events = []
    if document.sheet is not None:
        for line in document.sheet.lines:
            if line.is_done:
                continue
            key = line.course.pk if line.course else line.code
            events.append(
                CalendarEvent(
                    uid=f"cqr-prescription-{prescription.pk}-course-{key}@cqr-planner",
                    day=line.complete_by,
                    summary=f"CE due: {line.title}",
                    description=(
                        f"Complete “{line.title}” ({line.provider}, {line.format_label}) "
                        f"by this day for your {document.discipline} prescription."
                    ),
                    url=line.url,
                )
            )
    if document.is_structured:
        summary = f"Planned application: {prescription}"
        description = "The day you plan to apply: the structured education is done by then."
    else:
        summary = f"CQR deadline: {prescription}"
        description = (
            "The last day of your CQR compliance window. Report your CE to ARRT before it."
        )
    events.append(
        CalendarEvent(
            uid=f"cqr-prescription-{prescription.pk}-deadline@cqr-planner",
            day=prescription.deadline,
            summary=summary,
            description=description,
        )
    )
    if document.spec.biennium_ends_on is not None:
        events.append(
            CalendarEvent(
                uid=f"cqr-prescription-{prescription.pk}-biennium@cqr-planner",
                day=document.spec.biennium_ends_on,
                summary=f"CE biennium ends: {prescription}",
                description="The last day of your CE biennium: the CE credits of this plan "
                "count toward it when earned by then.",
            )
        )
    return events
