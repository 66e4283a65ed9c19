"""The bundles page of a prescription the weekly hours make impossible: the least weekly
hours the engine computed, and whether other formats or a later start would help; at
those hours the prescription plans, one hundredth less it does not."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import MatchingRun
from plans import services
from prescriptions.documents import prescription_spec_from_document
from prescriptions.models import Prescription
from tests.integration.web.conftest import WebCatalog, document, make_prescription

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SOON = (TODAY + timedelta(days=14)).isoformat()


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(response.content.decode())))


def latest(prescription: Prescription) -> MatchingRun:
    return prescription.runs.order_by("-id").first()  # type: ignore[return-value]


def replan(prescription: Prescription, hours: str, capture: Any) -> MatchingRun:
    spec = prescription_spec_from_document(document(deadline=SOON, hours_per_week=hours))
    with capture(execute=True):
        services.prescription_update(prescription=prescription, spec=spec, floating_as_of=True)
    return latest(prescription)


def test_the_page_says_the_least_weekly_hours_and_they_are_exactly_enough(
    client: Any, bob: Any, catalog: WebCatalog, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        prescription = make_prescription(bob, deadline=SOON, hours_per_week="0.5")
    run = latest(prescription)
    assert run.outcome == "infeasible"
    advice = run.result["least_hours_per_week"]
    least = Decimal(advice["hours_per_week"])
    assert advice["proven"] is True and least > Decimal("0.5")
    client.force_login(bob)
    page = text(client.get(reverse("prescriptions:detail", args=[prescription.pk])))
    assert "Study time is what stops it." in page
    assert "At 0.50 study hours a week no choice of courses can be finished" in page
    assert f"The least that makes a plan possible is {least} hours a week" in page
    later = TODAY + timedelta(days=3)  # a quarter of the 14 days left
    assert f"Starting later would not help: from {later:%b} {later.day}, {later.year}" in page

    capture = django_capture_on_commit_callbacks
    assert replan(prescription, str(least), capture).outcome == "optimal"
    assert replan(prescription, str(least - Decimal("0.01")), capture).outcome == "infeasible"


def test_formats_that_would_help_are_named(
    client: Any, bob: Any, catalog: WebCatalog, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        prescription = make_prescription(
            bob, deadline=SOON, hours_per_week="0.5", formats=["home-study"]
        )
    advice = latest(prescription).result["least_hours_per_week"]
    assert advice["hours_per_week"] is None  # no home-study course gives these credits
    assert advice["all_formats"]["formats"] == ["online"]
    client.force_login(bob)
    page = text(client.get(reverse("prescriptions:detail", args=[prescription.pk])))
    assert "More study time alone would not help" in page
    hours = advice["all_formats"]["hours_per_week"]
    assert f"Accepting online courses too would make it possible with {hours} hours a week." in page


def test_a_plan_without_weekly_hours_gets_no_advice(
    bob: Any, catalog: WebCatalog, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        prescription = make_prescription(bob, deadline=SOON)
    assert "least_hours_per_week" not in latest(prescription).result


def test_when_every_course_fits_alone_but_no_set_does_the_page_still_explains(
    client: Any, bob: Any, catalog: WebCatalog, django_capture_on_commit_callbacks: Any
) -> None:
    """Schedule-only infeasibility: enough credit exists, no shortfall row, yet no plan."""
    with django_capture_on_commit_callbacks(execute=True):
        prescription = make_prescription(bob, deadline=SOON, hours_per_week="2.5")
    run = latest(prescription)
    assert (run.outcome, run.result["shortfall"]) == ("infeasible", [])
    least = run.result["least_hours_per_week"]["hours_per_week"]
    client.force_login(bob)
    page = text(client.get(reverse("prescriptions:detail", args=[prescription.pk])))
    assert "No set of courses can complete this prescription" in page
    assert f"The least that makes a plan possible is {least} hours a week" in page
    assert "cheapest first" not in page and "Your cheapest bundle" not in page
