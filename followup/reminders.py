"""Reminders by email: what is due for each technologist, sent at most once each.

Three kinds, for open prescriptions (deadline not past) with their chosen plan:
- a planned self-paced course whose suggested start date (the plan's `start_by`) arrived;
- a planned fixed-date course (webinar, live event) taking place in the next 7 days;
- the compliance deadline 90, 30 and 7 days ahead, while requirements remain open.

Each reminder has a key; `reminders_send` claims the keys in `SentReminder` (a unique
constraint: a duplicated or retried task claims nothing twice), sends one email per user
with what it claimed, then marks them sent. A failed send releases its claims for the
next run; a crash between sending and marking leaves the claim, so nothing is ever sent
twice (at most once).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from followup.models import ReminderPreference, SentReminder
from matching.models import BundleCourse
from plans.models import Plan, PlanItem
from plans.selectors.credits import Requirement
from plans.selectors.ical import DEADLINE_REMINDER_DAYS, EVENT_REMINDER_DAYS
from plans.selectors.lines import plan_for_prescription, plan_lines
from prescriptions.documents import PrescriptionInputError
from prescriptions.models import Prescription
from prescriptions.selectors.wording import human_date
from prescriptions.spec_rows import prescription_spec_from_model

logger = logging.getLogger(__name__)

# The calendar's alarms use the same days (one definition, in the calendar selector).
DEADLINE_DAYS = tuple(sorted(DEADLINE_REMINDER_DAYS))  # smallest first: nearest reached is sent
EVENT_DAYS = EVENT_REMINDER_DAYS
UNSUBSCRIBE_SALT = "followup.unsubscribe"


@dataclass(frozen=True)
class Reminder:
    key: str
    kind: str  # "start" | "event" | "deadline"
    prescription: str
    summary: str
    url: str


def site_url(path: str) -> str:
    return str(getattr(settings, "CQR_SITE_URL", "http://localhost:8000")).rstrip("/") + path


def unsubscribe_token(user: Any) -> str:
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT, compress=True)


def user_from_unsubscribe_token(token: str) -> Any:
    """The user a token was made for, or None for a forged or damaged token."""
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return get_user_model().objects.filter(pk=pk).first()


def reminders_enabled(user: Any) -> bool:
    pref = ReminderPreference.objects.filter(user=user).first()
    return pref is None or pref.email_reminders


@transaction.atomic
def reminders_set_enabled(*, user: Any, enabled: bool) -> ReminderPreference:
    pref, _ = ReminderPreference.objects.select_for_update().get_or_create(user=user)
    if pref.email_reminders != enabled:
        pref.email_reminders = enabled
        pref.save(update_fields=["email_reminders", "updated_at"])
    return pref


def reminders_for_prescription(
    prescription: Prescription, *, today: date, skip: frozenset[str] = frozenset()
) -> list[Reminder]:
    """What is due for one prescription on `today` (sent or not; the requirements are
    only tallied for a deadline reminder whose key is not in `skip`)."""
    if prescription.deadline < today:
        return []
    name = str(prescription)
    plan_url = site_url(reverse("prescriptions:plan", args=[prescription.pk]))
    p = f"p{prescription.pk}"
    found: list[Reminder] = []
    plan = Plan.objects.filter(prescription=prescription).first()
    items = (
        list(plan.items.filter(status=PlanItem.Status.PLANNED).select_related("course__provider"))
        if plan is not None
        else []
    )
    starts: dict[int, date | None] = {}
    if plan is not None and plan.bundle_id is not None:
        starts = dict(
            BundleCourse.objects.filter(bundle_id=plan.bundle_id, course__isnull=False)
            .values_list("course_id", "start_by")
            .order_by("position")
        )
    for item in items:
        course = item.course
        if course.event_date is not None:
            days = (course.event_date - today).days
            if 0 <= days <= EVENT_DAYS:
                when = "today" if days == 0 else f"on {human_date(course.event_date)}"
                found.append(
                    Reminder(
                        key=f"{p}:event:{course.pk}:{course.event_date.isoformat()}",
                        kind="event",
                        prescription=name,
                        summary=f"“{course.title}” ({course.provider_label}) takes place {when}.",
                        url=course.url or plan_url,
                    )
                )
            continue
        start = starts.get(course.pk)
        if start is not None and start <= today:
            found.append(
                Reminder(
                    key=f"{p}:start:{course.pk}:{start.isoformat()}",
                    kind="start",
                    prescription=name,
                    summary=f"Time to start “{course.title}” ({course.provider_label}): "
                    f"complete it by {human_date(item.complete_by)}.",
                    url=course.url or plan_url,
                )
            )
    days_left = (prescription.deadline - today).days
    threshold = next((d for d in DEADLINE_DAYS if days_left <= d), None)
    if threshold is not None:
        key = f"{p}:deadline:{prescription.deadline.isoformat()}:{threshold}"
        if key not in skip and _requirements_open(prescription, today=today):
            found.append(
                Reminder(
                    key=key,
                    kind="deadline",
                    prescription=name,
                    summary=f"Your deadline for “{name}” is "
                    f"{human_date(prescription.deadline)}, in {days_left} "
                    f"day{'s' if days_left != 1 else ''}, and credits are still missing.",
                    url=plan_url,
                )
            )
    return found


def _requirements_open(prescription: Prescription, *, today: date) -> bool:
    """Credits still to earn after completed courses and plan items marked done."""
    try:
        spec = prescription_spec_from_model(prescription)
    except PrescriptionInputError:
        return True  # cannot tell: remind rather than stay silent
    plan = plan_for_prescription(prescription)
    lines = plan_lines(plan, today=today) if plan is not None else []
    return bool(Requirement(spec).sheet(lines).remaining_tallies)


def reminders_for_user(user: Any, *, today: date) -> list[Reminder]:
    """Every reminder due for the user on `today` that was not claimed before."""
    prescriptions = (
        Prescription.objects.filter(owner=user, deadline__gte=today)
        .exclude(status=Prescription.Status.COMPLETED)
        .select_related("outline__discipline")
    )
    claimed = frozenset(
        SentReminder.objects.filter(user=user, key__contains=":deadline:").values_list(
            "key", flat=True
        )
    )
    due = [
        r for p in prescriptions for r in reminders_for_prescription(p, today=today, skip=claimed)
    ]
    if not due:
        return []
    sent = set(
        SentReminder.objects.filter(user=user, key__in=[r.key for r in due]).values_list(
            "key", flat=True
        )
    )
    return [r for r in due if r.key not in sent]


def _recipients(today: date) -> Any:
    return (
        get_user_model()
        .objects.filter(is_active=True, prescriptions__deadline__gte=today)
        .exclude(email="")
        .exclude(reminder_preference__email_reminders=False)
        .distinct()
        .order_by("pk")
    )


def reminder_message(user: Any, reminders: list[Reminder], *, connection: Any) -> EmailMessage:
    unsubscribe = site_url(reverse("followup:unsubscribe", args=[unsubscribe_token(user)]))
    count = len(reminders)
    subject = reminders[0].summary if count == 1 else f"CQR plan: {count} things are due"
    body = render_to_string(
        "followup/reminder_email.txt",
        {
            "user": user,
            "reminders": reminders,
            "unsubscribe_url": unsubscribe,
            "settings_url": site_url(reverse("followup:reminders")),
        },
    )
    return EmailMessage(
        subject=subject[:150],
        body=body,
        to=[user.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def reminders_send(*, today: date | None = None) -> int:
    """Send every technologist what is due on `today` (default: today); returns the number
    of emails sent. Safe to run any number of times a day."""
    today = today or timezone.localdate()
    sent = 0
    connection = get_connection()
    for user in _recipients(today):
        due = reminders_for_user(user, today=today)
        if not due:
            continue
        claim = uuid.uuid4()
        SentReminder.objects.bulk_create(
            [SentReminder(user=user, key=r.key, claim=claim, summary=r.summary[:300]) for r in due],
            ignore_conflicts=True,
        )
        mine = set(
            SentReminder.objects.filter(user=user, claim=claim).values_list("key", flat=True)
        )
        due = [r for r in due if r.key in mine]  # another run claimed the rest
        if not due:
            continue
        try:
            reminder_message(user, due, connection=connection).send()
        except Exception:
            logger.exception("reminders for user %s: sending failed; will retry", user.pk)
            SentReminder.objects.filter(user=user, claim=claim).delete()
            continue
        SentReminder.objects.filter(user=user, claim=claim).update(sent_at=timezone.now())
        sent += 1
    return sent
