"""The plan as an iCalendar file (download and private subscription feed).

Stable-UID all-day events, each with its reminders (VALARM, at 9:00 local time):
- a webinar or live event on its event date (the catalog knows the day, not the hour),
  reminded a week and a day before;
- a self-paced course on its due date, reminded a week and a day before, plus a start
  event on the plan's suggested start date (known when weekly hours are given);
- the deadline (and the end of the CE biennium), reminded 90, 30 and 7 days before, the
  days the email reminders use too.

Every text comes from stored data (titles, provider names), so it goes through `_text`:
one line, no control characters; the library escapes the rest (`,`, `;`, `\\`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from icalendar import Alarm as ICalAlarm
from icalendar import Calendar as ICalendar
from icalendar import Event as ICalEvent
from icalendar import vText

from plans.selectors.lines import CourseLine
from plans.selectors.plan_document import PlanDocument, plan_document_for_prescription
from prescriptions.documents import PrescriptionInputError
from prescriptions.models import Prescription
from prescriptions.selectors.wording import human_date
from prescriptions.spec_rows import prescription_spec_from_model

# Days before the compliance deadline a reminder goes out (email and calendar alike).
DEADLINE_REMINDER_DAYS = (7, 30, 90)
# Days before a webinar or live event: its email reminder comes within this many days.
EVENT_REMINDER_DAYS = 7
ALARM_HOUR = 9  # reminders of all-day events fire at 9:00 on their day
FEED_REFRESH = timedelta(hours=12)


@dataclass(frozen=True)
class Reminder:
    """A VALARM: `days_before` the event's day (0: the day itself) at ALARM_HOUR."""

    days_before: int
    text: str

    @property
    def trigger(self) -> timedelta:
        return timedelta(days=-self.days_before, hours=ALARM_HOUR)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    day: date
    summary: str
    description: str
    url: str = ""
    reminders: tuple[Reminder, ...] = ()


def _text(value: str) -> str:
    """Stored text as one calendar line: whitespace runs (CR, LF, tabs, U+2028...) become
    one space and other control characters go (RFC 5545 TEXT allows none)."""
    flat = " ".join(value.split())
    return "".join(ch for ch in flat if unicodedata.category(ch) != "Cc")


def _uri(value: str) -> str:
    """A URL safe to put on a content line ("" when it has whitespace or controls)."""
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in value):
        return ""
    return value


def calendar_ics(
    events: Sequence[CalendarEvent], *, name: str, refresh: timedelta | None = None
) -> bytes:
    """An iCalendar file of all-day events with their alarms; UIDs are stable so a
    re-import or a feed refresh updates events. `refresh`: how often a subscribed
    calendar app should fetch the feed again."""
    calendar = ICalendar()
    calendar.add("prodid", "-//CQR Planner//plan//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", vText(_text(name)))  # unknown properties are not escaped
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", refresh)
    stamp = timezone.now()
    for item in events:
        event = ICalEvent()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", _text(item.summary))
        event.add("description", _text(item.description))
        url = _uri(item.url)
        if url:
            event.add("url", url)
        event.add("transp", "TRANSPARENT")
        for reminder in item.reminders:
            alarm = ICalAlarm()
            alarm.add("action", "DISPLAY")
            alarm.add("trigger", reminder.trigger)
            alarm.add("description", _text(reminder.text))
            event.add_component(alarm)
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def _course_events(
    prescription: Prescription, line: CourseLine, *, for_what: str
) -> list[CalendarEvent]:
    key = line.course.pk if line.course else line.code
    uid = f"cqr-prescription-{prescription.pk}-course-{key}"
    title = _text(line.title)
    who = f"{line.provider}, {line.format_label}" if line.course else "no longer in the catalog"
    # A course the technologist added themselves says so in every event title.
    mine = " (added by you)" if line.added_by_you else ""
    event_day = line.course.event_date if line.course else None
    if event_day is not None:
        return [
            CalendarEvent(
                uid=f"{uid}@cqr-planner",
                day=event_day,
                summary=f"{line.format_label}: {title}{mine}",
                description=f"“{title}” ({line.provider}) takes place on this day; it "
                f"counts toward your {for_what}. Check the time on the provider's page.",
                url=line.url,
                reminders=(
                    Reminder(EVENT_REMINDER_DAYS, f"In a week: “{title}” ({line.format_label})."),
                    Reminder(1, f"Tomorrow: “{title}” ({line.format_label})."),
                ),
            )
        ]
    events = [
        CalendarEvent(
            uid=f"{uid}@cqr-planner",
            day=line.complete_by,
            summary=f"CE due: {title}{mine}",
            description=f"Complete “{title}” ({who}) by this day for your {for_what}.",
            url=line.url,
            reminders=(
                Reminder(7, f"“{title}” is due in a week ({human_date(line.complete_by)})."),
                Reminder(1, f"“{title}” is due tomorrow."),
            ),
        )
    ]
    if line.start_by is not None and line.start_by < line.complete_by:
        events.append(
            CalendarEvent(
                uid=f"{uid}-start@cqr-planner",
                day=line.start_by,
                summary=f"Start CE: {title}{mine}",
                description=f"Start “{title}” ({who}) today to finish it by "
                f"{human_date(line.complete_by)} at your weekly study hours.",
                url=line.url,
                reminders=(Reminder(0, f"Start “{title}” today."),),
            )
        )
    return events


def _deadline_reminders(what: str, day: date) -> tuple[Reminder, ...]:
    return tuple(
        Reminder(days, f"{what} in {days} days ({human_date(day)}).")
        for days in sorted(DEADLINE_REMINDER_DAYS, reverse=True)
    )


def calendar_events(*, prescription: Prescription, document: PlanDocument) -> list[CalendarEvent]:
    """The events of every course still to do, plus the deadline (and biennium end)."""
    for_what = f"{document.discipline} prescription"
    events: list[CalendarEvent] = []
    if document.sheet is not None:
        for line in document.sheet.lines:
            if not line.is_done:
                events += _course_events(prescription, line, for_what=for_what)
    name = _text(str(prescription))
    if document.is_structured:
        summary, what = f"Planned application: {name}", "Your planned application"
        description = "The day you plan to apply: the structured education is done by then."
    else:
        summary, what = f"CQR deadline: {name}", "Your CQR deadline"
        description = (
            "The last day of your CQR compliance window. Report your CE to ARRT before it."
        )
    events.append(
        CalendarEvent(
            uid=f"cqr-prescription-{prescription.pk}-deadline@cqr-planner",
            day=prescription.deadline,
            summary=summary,
            description=description,
            reminders=_deadline_reminders(what, prescription.deadline),
        )
    )
    biennium = document.spec.biennium_ends_on
    if biennium is not None:
        events.append(
            CalendarEvent(
                uid=f"cqr-prescription-{prescription.pk}-biennium@cqr-planner",
                day=biennium,
                summary=f"CE biennium ends: {name}",
                description="The last day of your CE biennium: the CE credits of this plan "
                "count toward it when earned by then.",
                reminders=_deadline_reminders("Your CE biennium ends", biennium),
            )
        )
    return events


def plan_calendar(prescription: Prescription, *, refresh: timedelta | None = None) -> bytes | None:
    """The prescription's calendar (chosen plan, else its best bundle), without the
    technologist's name; None when the prescription can no longer be planned. A
    prescription kept as history (completed) has nothing left to do: an empty calendar, so
    that a calendar app subscribed to it drops the old events."""
    if prescription.is_completed:
        return calendar_ics([], name=f"CQR plan: {prescription} (completed)", refresh=refresh)
    try:
        spec = prescription_spec_from_model(prescription)
    except PrescriptionInputError:
        return None
    document = plan_document_for_prescription(prescription=prescription, spec=spec, technologist="")
    events = calendar_events(prescription=prescription, document=document)
    return calendar_ics(events, name=f"CQR plan: {prescription}", refresh=refresh)
