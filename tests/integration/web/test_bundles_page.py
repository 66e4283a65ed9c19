"""The bundles page: live progress while a run computes, then bundles or the shortfall."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matching.models import MatchingRun
from matching.services.runs import run_execute
from tests.integration.web.conftest import add_course, make_prescription

pytestmark = pytest.mark.django_db


def detail(client, prescription) -> str:
    response = client.get(reverse("prescriptions:detail", args=[prescription.pk]))
    assert response.status_code == 200
    return unescape(response.content.decode())


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_a_finished_run_shows_the_ranked_bundles_with_credits_against_the_requirement(
    client, bob, bob_prescription, catalog
):
    client.force_login(bob)
    html = detail(client, bob_prescription)
    assert "Cheapest" in html
    assert "$50.00" in html  # the AHEC pack
    assert "AHEC CT pack from Advanced Health Education Center for $50.00" in text(html)
    assert "3.00 of 3.00 — covered" in html  # Image Formation bar text
    assert "1.50 of 1.50 — covered" in html
    assert 'class="bar"' in html and 'aria-hidden="true"' in html
    assert "CQR credits" in html and "CE credits" in html
    assert catalog.dose.url in html
    assert "Choose this bundle" in html
    assert "hx-trigger" not in html


def test_alternatives_are_compared_side_by_side(client, bob, bob_prescription):
    client.force_login(bob)
    run = bob_prescription.runs.get()
    # The web catalog has several ways to meet the prescription: a run that computes no
    # alternatives is a bug, not a reason to skip.
    assert run.bundles.count() >= 2
    html = detail(client, bob_prescription)
    assert "The bundles side by side" in html
    assert "2nd cheapest" in html
    assert "Compared with the cheapest" in html


def test_a_queued_run_polls_its_status_every_second_and_refreshes_without_javascript(
    client, bob, bob_prescription
):
    run = MatchingRun.objects.create(prescription=bob_prescription)
    client.force_login(bob)
    html = detail(client, bob_prescription)
    assert f'hx-get="/runs/{run.pk}/status/"' in html
    assert 'hx-trigger="every 1s"' in html
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert "Queued — waiting for a worker to start." in html
    assert "refresh it</a>" in html


def test_the_status_partial_keeps_polling_while_running_and_reloads_when_done(
    client, bob, bob_prescription
):
    run = MatchingRun.objects.create(
        prescription=bob_prescription,
        status=MatchingRun.Status.RUNNING,
        progress=40,
        progress_message="Solving",
    )
    client.force_login(bob)
    url = reverse("matching:run_status", args=[run.pk])
    running = client.get(url, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert "Solving — 40% done." in running.content.decode()
    assert "HX-Refresh" not in running

    MatchingRun.objects.filter(pk=run.pk).update(status=MatchingRun.Status.QUEUED)
    run_execute(run_id=run.pk)
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    assert "hx-trigger" not in done.content.decode()


def test_the_status_url_without_htmx_goes_back_to_the_page(client, bob, bob_prescription):
    run = bob_prescription.runs.get()
    client.force_login(bob)
    response = client.get(reverse("matching:run_status", args=[run.pk]))
    assert response["Location"] == reverse("prescriptions:detail", args=[bob_prescription.pk])


def test_an_infeasible_prescription_explains_the_shortfall_in_plain_words(
    client, bob, catalog, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    add_course(
        catalog.ahec,
        "ahec-abd-old",
        {"Abdomen and Pelvis": Decimal("1.00")},
        approval_expires=today - timedelta(days=10),
    )
    with django_capture_on_commit_callbacks(execute=True):
        prescription = make_prescription(
            bob,
            required=[
                {"category": "Abdomen and Pelvis", "credits": "2.0"},
                {"category": "Radiation Safety and Dose", "credits": "1.5"},
            ],
        )
    client.force_login(bob)
    html = detail(client, prescription)
    assert "No set of courses can complete this prescription" in html
    assert (
        "Abdomen and Pelvis needs 2.00 credits but the eligible courses give at most 0.00."
    ) in html
    planning_date = f"{today:%b} {today.day}, {today.year}"  # as_of is today
    assert (
        f"1 course was left out because its ARRT approval expired before {planning_date}."
    ) in html
    assert "Choose this bundle" not in html


def test_a_stale_run_offers_to_re_plan(client, bob, bob_prescription):
    bob_prescription.runs.update(is_stale=True)
    client.force_login(bob)
    html = detail(client, bob_prescription)
    assert "The catalog changed; a cheaper plan may exist." in html
    assert "Re-plan" in html


def test_recompute_creates_a_new_run(client, bob, bob_prescription):
    client.force_login(bob)
    response = client.post(reverse("prescriptions:recompute", args=[bob_prescription.pk]))
    assert response.status_code == 302
    assert bob_prescription.runs.count() == 2


def test_a_failed_run_shows_its_error_and_a_retry_button(client, bob, bob_prescription):
    MatchingRun.objects.create(
        prescription=bob_prescription, status=MatchingRun.Status.FAILED, error="Solver crashed"
    )
    client.force_login(bob)
    html = detail(client, bob_prescription)
    assert "The bundles could not be computed" in html
    assert "Solver crashed" in html
    assert "Try again" in html


def test_the_bundles_page_costs_a_fixed_number_of_queries_and_caches_the_run(
    client, bob, catalog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        small = make_prescription(bob)
    client.force_login(bob)
    client.get(reverse("prescriptions:list"))  # warm the session
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        first = detail(client, small)
    with CaptureQueriesContext(connection) as warm:
        again = detail(client, small)
    assert again.split("csrfmiddlewaretoken")[0] == first.split("csrfmiddlewaretoken")[0]
    # Cached: the run's HTML, the session and the user (shared cache). Queried: the
    # prescription (it says it has no lines outside our outline, no open cheaper-plan
    # alert and no obligation to plan together with), latest run with the plan state.
    assert len(warm) == 2
    assert len(cold) <= 30

    for i in range(6):
        add_course(catalog.gage, f"gage-extra-{i}", {"Image Formation": Decimal("0.25")})
    with django_capture_on_commit_callbacks(execute=True):
        bigger = make_prescription(bob, hours_per_week="20")
    cache.clear()  # cold like the first: session and user from the database again
    with CaptureQueriesContext(connection) as more:
        detail(client, bigger)
    assert len(more) == len(cold)


def test_the_cached_bundles_change_when_a_plan_is_chosen(client, bob, bob_prescription):
    client.force_login(bob)
    assert "Your plan</p>" not in detail(client, bob_prescription)
    bundle = bob_prescription.runs.get().bundles.get(rank=1)
    client.post(reverse("prescriptions:choose", args=[bob_prescription.pk, bundle.pk]))
    assert "Your plan</p>" in detail(client, bob_prescription)


def test_the_cached_page_carries_this_session_csrf_token(client, bob, bob_prescription):
    client.force_login(bob)
    detail(client, bob_prescription)
    html = detail(client, bob_prescription)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match is not None
    token = match.group(1)
    bundle = bob_prescription.runs.get().bundles.get(rank=1)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    response = strict.post(
        reverse("prescriptions:choose", args=[bob_prescription.pk, bundle.pk]),
        {"csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_a_bundle_shows_the_credits_the_engine_stored_not_a_recount(client, bob, bob_prescription):
    """Issue 12: the bundle's credits per requirement are the run's (`Bundle.credits`);
    the page does not add its courses up again. A stored figure no course sum gives shows."""
    client.force_login(bob)
    best = bob_prescription.runs.get().bundles.get(rank=1)
    assert best.credits["Image Formation"] == "3.00"  # what the courses give
    best.credits["Image Formation"] = "4.75"
    best.save(update_fields=["credits"])
    cache.clear()
    html = detail(client, bob_prescription)
    assert "4.75 of 3.00 — covered" in html
    assert "3.00 of 3.00 — covered" not in html.split("2nd cheapest")[0]


def test_a_bundle_buying_a_package_lists_its_member_courses_in_the_packages_order(
    client, bob, bob_prescription, catalog
):
    """The members come with the bundle's purchases (one JSON value per purchase, not a
    query of their own): both courses of the AHEC pack, in the pack's order, each line
    saying it is paid by the package."""
    bought = [
        b.rank
        for b in bob_prescription.runs.get().bundles.all()
        if b.purchases.filter(package=catalog.pack).exists()
    ]
    assert bought, "the cheapest way to the dose credits is the AHEC pack"
    client.force_login(bob)
    html = unescape(detail(client, bob_prescription))
    assert (
        "<strong>AHEC CT pack</strong> from Advanced Health Education Center for $50.00 — "
        "includes "
        "CT Dose in Practice, CT Image Formation Deep Dive"
    ) in html
    assert html.count("In package: AHEC CT pack") == 2
