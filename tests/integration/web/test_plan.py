"""Choosing a bundle, tracking progress, re-planning the rest; the PDF and the calendar."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from plans import services
from plans.models import Plan, PlanItem
from tests.integration.web.conftest import best_bundle, choose, make_prescription

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(response.content.decode())))


def test_choosing_a_bundle_makes_a_checklist_with_its_due_dates(client, bob, bob_prescription):
    client.force_login(bob)
    plan = choose(client, bob_prescription)
    bundle = best_bundle(bob_prescription)
    assert plan.bundle == bundle
    assert plan.price == Decimal("50.00")
    assert [(i.course_id, i.complete_by) for i in plan.items.all()] == [
        (c.course_id, c.complete_by) for c in bundle.items.all()
    ]
    text = page_text(client.get(reverse("prescriptions:plan", args=[bob_prescription.pk])))
    assert "Your plan: 0 of 2 courses done" in text
    assert "CT Dose in Practice" in text
    assert "Mark done" in text


def test_marking_a_course_done_recomputes_what_remains_and_offers_to_re_plan(
    client, bob, bob_prescription, catalog
):
    client.force_login(bob)
    plan = choose(client, bob_prescription)
    item = plan.items.get(course=catalog.dose)
    today = timezone.localdate()
    response = client.post(
        reverse("prescriptions:item_done", args=[bob_prescription.pk, item.pk]),
        {f"item{item.pk}-done_on": today.isoformat()},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.done_on) == (PlanItem.Status.DONE, today)
    text = page_text(client.get(reverse("prescriptions:plan", args=[bob_prescription.pk])))
    assert "Your plan: 1 of 2 courses done" in text
    assert "Still to earn after the courses you completed: 3.00 in Image Formation." in text
    assert "Re-plan the rest" in text


def test_a_completion_date_in_the_future_is_refused_with_a_message(
    client, bob, bob_prescription, catalog
):
    client.force_login(bob)
    item = choose(client, bob_prescription).items.all()[0]
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        reverse("prescriptions:item_done", args=[bob_prescription.pk, item.pk]),
        {f"item{item.pk}-done_on": tomorrow.isoformat()},
    )
    assert response.status_code == 400
    assert "is in the future" in page_text(response)
    item.refresh_from_db()
    assert item.status == PlanItem.Status.PLANNED


def test_a_completion_date_before_the_prescription_was_issued_does_not_count(
    bob_prescription,
):
    plan = services.plan_choose(prescription=bob_prescription, bundle=best_bundle(bob_prescription))
    item = plan.items.all()[0]
    with pytest.raises(ValidationError, match="before the prescription was issued"):
        services.plan_item_mark_done(
            item=item, done_on=bob_prescription.issued_on - timedelta(days=1)
        )


def test_re_planning_counts_done_courses_as_completed_and_computes_new_bundles(
    client, bob, bob_prescription, catalog, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    plan = choose(client, bob_prescription)
    services.plan_item_mark_done(
        item=plan.items.get(course=catalog.dose), done_on=timezone.localdate()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("prescriptions:replan", args=[bob_prescription.pk]))
    assert response.status_code == 302
    assert list(bob_prescription.completed_courses.all()) == [catalog.dose]
    new_bundle = best_bundle(bob_prescription)
    codes = {item.code for item in new_bundle.items.all()}
    assert catalog.dose.code not in codes
    assert new_bundle.price == Decimal("40.00")  # only Image Formation remains

    # Choosing the new bundle keeps the done course, done.
    plan = choose(client, bob_prescription)
    statuses = {i.course.code: i.status for i in plan.items.all()}
    assert statuses == {catalog.dose.code: "done", catalog.image.code: "planned"}


def test_warnings_for_a_due_date_within_30_days_and_an_approval_expiring_before_it(
    client, bob, bob_prescription, catalog
):
    client.force_login(bob)
    plan = choose(client, bob_prescription)
    today = timezone.localdate()
    item = plan.items.get(course=catalog.image)
    item.complete_by = today + timedelta(days=12)
    item.save()
    catalog.image.approval_expires = today + timedelta(days=5)
    catalog.image.save()
    text = page_text(client.get(reverse("prescriptions:plan", args=[bob_prescription.pk])))
    assert "Due in 12 days" in text
    assert "Its ARRT approval expires on" in text
    assert "finish it before then" in text


def test_the_plan_page_says_when_the_catalog_changed(client, bob, bob_prescription):
    client.force_login(bob)
    choose(client, bob_prescription)
    bob_prescription.runs.update(is_stale=True)
    text = page_text(client.get(reverse("prescriptions:plan", args=[bob_prescription.pk])))
    assert "The catalog changed; a cheaper plan may exist." in text


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "plan.pdf"
    path.write_bytes(content)
    out = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"\s+", " ", out)


def page_size(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "size.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    match = re.search(r"Page size:\s+(.*)", info.stdout)
    assert match is not None
    return match.group(1)


def test_the_pdf_prints_the_best_bundle_before_a_plan_is_chosen(
    client, bob, bob_prescription, catalog, tmp_path
):
    bob.first_name, bob.last_name = "Bob", "Tech"
    bob.save()
    client.force_login(bob)
    response = client.get(reverse("prescriptions:plan_pdf", args=[bob_prescription.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "Bob Tech" in text
    assert "Computed Tomography (CT)" in text
    assert "CT Dose in Practice" in text
    assert "in package AHEC" in text  # the cell wraps: "in package AHEC | CT pack"
    assert "https://ahec.example.org/ct-dose" in text
    assert "Image Formation: 3.00" in text
    assert "$50.00" in text
    assert "612 x 792 pts (letter)" in page_size(response.content, tmp_path)


def test_the_pdf_of_a_chosen_plan_on_a4_paper_shows_done_courses(
    client, bob, bob_prescription, catalog, tmp_path
):
    client.force_login(bob)
    plan = choose(client, bob_prescription)
    services.plan_item_mark_done(
        item=plan.items.get(course=catalog.dose), done_on=timezone.localdate()
    )
    response = client.get(
        reverse("prescriptions:plan_pdf", args=[bob_prescription.pk]) + "?paper=a4"
    )
    assert "(A4)" in page_size(response.content, tmp_path)
    text = pdf_text(response.content, tmp_path)
    assert "☑" in text
    assert "Done " in text


def test_the_calendar_has_an_all_day_event_per_due_date_and_the_deadline(
    client, bob, bob_prescription
):
    client.force_login(bob)
    response = client.get(reverse("prescriptions:plan_ics", args=[bob_prescription.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 3  # two courses + the deadline
    uids = {str(e["UID"]) for e in events}
    assert f"cqr-prescription-{bob_prescription.pk}-deadline@cqr-planner" in uids
    deadline = next(e for e in events if "deadline" in str(e["UID"]))
    assert deadline.decoded("DTSTART") == bob_prescription.deadline  # a date: all day
    again = Calendar.from_ical(
        client.get(reverse("prescriptions:plan_ics", args=[bob_prescription.pk])).content
    )
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == uids  # stable UIDs


def test_choosing_a_bundle_of_another_prescription_is_not_found(
    client, bob, bob_prescription, catalog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        other = make_prescription(bob, title="Second")
    client.force_login(bob)
    response = client.post(
        reverse("prescriptions:choose", args=[bob_prescription.pk, best_bundle(other).pk])
    )
    assert response.status_code == 404
    assert not Plan.objects.exists()


def test_the_pdf_totals_agree_with_the_web_plan_after_a_course_is_done(
    client, bob, bob_prescription, catalog, tmp_path
):
    client.force_login(bob)
    plan = choose(client, bob_prescription)
    services.plan_item_mark_done(
        item=plan.items.get(course=catalog.dose), done_on=timezone.localdate()
    )
    web = page_text(client.get(reverse("prescriptions:plan", args=[bob_prescription.pk])))
    # Radiation Safety and Dose: needed 1.50, earned 1.50, still planned 0.00.
    assert "Radiation Safety and Dose 1.50 1.50 0.00" in web
    pdf = pdf_text(
        client.get(reverse("prescriptions:plan_pdf", args=[bob_prescription.pk])).content,
        tmp_path,
    )
    assert "Earned" in pdf and "Still planned" in pdf
    # pdftotext prints the row labels apart from the numbers: Image Formation (3.00 needed,
    # 0.00 earned, 3.00 planned, 3.00 in all), then Radiation Safety and Dose.
    assert "3.00 0.00 3.00 3.00 met 1.50 1.50 0.00 1.50 met" in pdf
    assert "CQR credits" in pdf and "cQR" not in pdf


def test_after_a_replan_the_price_is_labelled_apart_from_hours_and_credits_with_done_courses(
    client, bob, bob_prescription, catalog, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    plan = choose(client, bob_prescription)
    services.plan_item_mark_done(
        item=plan.items.get(course=catalog.dose), done_on=timezone.localdate()
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("prescriptions:replan", args=[bob_prescription.pk]))
    choose(client, bob_prescription)
    text = page_text(client.get(reverse("prescriptions:plan", args=[bob_prescription.pk])))
    assert "Price of the re-planned bundle $40.00" in text
    assert "new purchases only; the course you finished before re-planning is not included" in (
        text
    )
    assert "Study hours" in text and "done," in text and "still planned" in text
    pdf = pdf_text(
        client.get(reverse("prescriptions:plan_pdf", args=[bob_prescription.pk])).content,
        tmp_path,
    )
    assert "PRICE OF THE RE-PLANNED BUNDLE" in pdf.upper()
    assert "New purchases only" in pdf


def test_the_pdf_is_tagged_with_its_language_and_title_on_letter_and_a4(
    client, bob, bob_prescription, tmp_path
):
    client.force_login(bob)
    url = reverse("prescriptions:plan_pdf", args=[bob_prescription.pk])
    for query, size in (("", "(letter)"), ("?paper=a4", "(A4)")):
        path = tmp_path / f"tagged{query[-2:]}.pdf"
        path.write_bytes(client.get(url + query).content)
        info = subprocess.run(
            ["pdfinfo", str(path)], capture_output=True, text=True, check=True
        ).stdout
        assert re.search(r"Tagged:\s+yes", info), info  # PDF/UA-1: a screen reader can read it
        assert re.search(r"Title:\s+CE plan — CT CQR", info), info
        assert size in info
        root: Any = PdfReader(path).trailer["/Root"]
        assert root["/Lang"] == "en"
