"""Reminders by email over a simulated 90 days, against a real SMTP server and the outbox."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from followup.models import SentReminder
from followup.reminders import reminders_send
from followup.tasks import send_reminders_task
from matching.models import BundleCourse
from plans import services
from plans.models import Plan
from prescriptions.documents import prescription_spec_from_document
from prescriptions.models import Prescription
from tests.integration.web.conftest import WebCatalog, build_catalog
from tests.integration.web.test_plan import best_bundle

pytestmark = pytest.mark.django_db

DAYS = 90


class Recorder:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[Recorder]:
    """A real SMTP server on localhost; Django sends to it with the SMTP backend."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield recorder
    finally:
        controller.stop()


@pytest.fixture
def start() -> date:
    """Day 0 of the simulation, 90 days ago: the last simulated day is today, so courses
    can be marked done on any simulated day."""
    return timezone.localdate() - timedelta(days=DAYS)


@pytest.fixture
def web(db: None) -> WebCatalog:
    return build_catalog()


def plan_for(
    user: Any, web: WebCatalog, start: date, capture: Any, *, event_in: int = 40
) -> Prescription:
    """Bob's CT prescription due 95 days after `start`, planned from `start` at 1 hour a
    week; the image course is a webinar `event_in` days after the start."""
    web.image.event_date = start + timedelta(days=event_in)
    web.image.format = "webinar"
    web.image.save()
    document = {
        "format": "cqr-prescription/1",
        "discipline": "CT",
        "issued_on": (start - timedelta(days=30)).isoformat(),
        "as_of": start.isoformat(),
        "deadline": (start + timedelta(days=95)).isoformat(),
        "hours_per_week": "1",
        "required": [
            {"category": "Image Formation", "credits": "3.0"},
            {"category": "Radiation Safety and Dose", "credits": "1.5"},
        ],
    }
    with capture(execute=True):
        prescription = services.prescription_create(
            owner=user, spec=prescription_spec_from_document(document), title="CT CQR"
        )
    services.plan_choose(prescription=prescription, bundle=best_bundle(prescription))
    return prescription


def simulate(
    start: date, days: Iterable[int], *, twice: bool = True, sent: Any = None
) -> list[int]:
    """The beat task once a day (twice: a duplicated delivery); returns, per email sent,
    the day it went out (`sent()` counts the emails so far)."""
    count = sent or (lambda: len(mail.outbox))
    days_sent: list[int] = []
    for day in days:
        before = count()
        today = (start + timedelta(days=day)).isoformat()
        send_reminders_task(today)
        if twice:
            send_reminders_task(today)
        days_sent += [day] * (count() - before)
    return days_sent


def test_ninety_days_of_reminders_reach_a_real_smtp_server_once_each(
    smtp, bob, web, start, django_capture_on_commit_callbacks
):
    bob.email = "bob@example.org"
    bob.save()
    prescription = plan_for(bob, web, start, django_capture_on_commit_callbacks)
    plan = Plan.objects.get(prescription=prescription)
    starts = dict(
        BundleCourse.objects.filter(bundle=plan.bundle).values_list("course__code", "start_by")
    )
    # The webinar (due on its date) comes first; the dose course starts when its hours
    # are studied, 4 weeks later (4 hours at 1 hour a week).
    assert starts == {"ahec-ct-img": start, "ahec-ct-dose": start + timedelta(days=28)}

    days_sent = simulate(start, range(DAYS + 1), sent=lambda: len(smtp.messages))

    got = [(str(m["Subject"]), str(m["To"])) for m in smtp.messages]
    expected = [
        (5, "in 90 days"),
        (28, "Time to start “CT Dose in Practice”"),
        (33, "“CT Image Formation Deep Dive” (Advanced Health Education Center) takes place"),
        (65, "in 30 days"),
        (88, "in 7 days"),
    ]
    assert days_sent == [day for day, _ in expected], got
    for (subject, to), (_, text) in zip(got, expected, strict=True):
        assert to == "bob@example.org"
        assert text in subject, subject
    # Recorded once each, with when it was sent.
    keys = list(SentReminder.objects.order_by("claimed_at", "id").values_list("key", flat=True))
    assert len(keys) == 5 and len(set(keys)) == 5
    assert not SentReminder.objects.filter(sent_at__isnull=True).exists()
    # Every email carries a one-click unsubscribe link, also as List-Unsubscribe.
    for message in smtp.messages:
        header = str(message["List-Unsubscribe"]).strip()
        assert header.startswith("<http") and "/followup/unsubscribe/" in header
        assert str(message["List-Unsubscribe-Post"]).strip() == "List-Unsubscribe=One-Click"
        body = message.get_content()
        assert header.strip("<>") in body


def test_unsubscribing_by_the_link_stops_every_later_reminder(
    client, bob, web, start, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    bob.email = "bob@example.org"
    bob.save()
    plan_for(bob, web, start, django_capture_on_commit_callbacks)
    simulate(start, range(0, 30))
    assert len(mail.outbox) == 2  # the 90-day notice, the start of the dose course
    link = re.search(r"https?://\S+/followup/unsubscribe/\S+/", str(mail.outbox[-1].body))
    assert link is not None
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)  # not signed in
    assert response.status_code == 200
    assert "Reminders switched off" in response.content.decode()
    simulate(start, range(30, DAYS + 1))
    assert len(mail.outbox) == 2
    # A forged token does nothing.
    assert client.get(reverse("followup:unsubscribe", args=["forged:token"])).status_code == 404
    # Switching back on (signed in) sends what is due from then on, not the past.
    client.force_login(bob)
    client.post(reverse("followup:reminders"), {"email_reminders": "on"})
    reminders_send(today=start + timedelta(days=DAYS))
    assert len(mail.outbox) == 3
    assert "in 5 days" in mail.outbox[-1].subject  # the 7-day notice, late but once


def test_a_mail_client_one_click_post_unsubscribes_without_a_session(client, bob):
    from followup.reminders import reminders_enabled, unsubscribe_token

    url = reverse("followup:unsubscribe", args=[unsubscribe_token(bob)])
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert reminders_enabled(bob) is False


def test_no_deadline_reminder_once_the_requirements_are_met(
    bob, web, start, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    bob.email = "bob@example.org"
    bob.save()
    prescription = plan_for(bob, web, start, django_capture_on_commit_callbacks)
    for item in Plan.objects.get(prescription=prescription).items.all():
        # A webinar can be marked done only from its day on (it took place 50 days ago).
        done_on = max(start, item.course.event_date or start)
        services.plan_item_mark_done(item=item, done_on=done_on)
    # The days something would be due (see the 90-day test), each the day it falls due.
    simulate(start, [0, 5, 28, 33, 65, 88, 90], twice=False)
    assert mail.outbox == []


def test_a_failed_send_releases_its_claims_and_a_claim_elsewhere_is_not_sent_again(
    bob, web, start, django_capture_on_commit_callbacks, settings, monkeypatch
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    bob.email = "bob@example.org"
    bob.save()
    prescription = plan_for(bob, web, start, django_capture_on_commit_callbacks)
    day5 = start + timedelta(days=5)

    def refuse(self: Any, *args: Any, **kwargs: Any) -> int:
        raise ConnectionRefusedError("SMTP server down")

    with monkeypatch.context() as m:
        m.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
        assert reminders_send(today=day5) == 0
    assert not SentReminder.objects.exists()  # released: the next run tries again
    # Another worker claimed the reminder and is sending it: this run sends nothing.
    import uuid

    SentReminder.objects.create(
        user=bob,
        key=f"p{prescription.pk}:deadline:{prescription.deadline}:90",
        claim=uuid.uuid4(),
        summary="claimed elsewhere",
    )
    assert reminders_send(today=day5) == 0
    assert mail.outbox == []
    SentReminder.objects.all().delete()
    assert reminders_send(today=day5) == 1  # and once released, it goes


def test_users_who_switched_reminders_off_or_have_no_email_get_nothing(
    client, bob, web, start, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    bob.email = ""
    bob.save()
    plan_for(bob, web, start, django_capture_on_commit_callbacks)
    day5 = start + timedelta(days=5)
    assert reminders_send(today=day5) == 0  # no email address
    bob.email = "bob@example.org"
    bob.save()
    client.force_login(bob)
    page = client.get(reverse("followup:reminders"))
    assert page.status_code == 200 and b"checked" in page.content
    client.post(reverse("followup:reminders"), {})
    assert reminders_send(today=day5) == 0
    assert mail.outbox == []
