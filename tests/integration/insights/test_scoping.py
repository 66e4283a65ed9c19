"""Provider staff see their own providers' insights only, and figures count own courses only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import OutlineVersion, Package, Provider
from insights.selectors.dashboard import dashboard_for_provider
from insights.selectors.suggestion import suggestion_for_provider
from matching.models import Bundle, BundleCourse, MatchingRun
from tests.factories import MembershipFactory, ProviderFactory
from tests.integration.insights.conftest import (
    CHEST,
    DOSE,
    chosen_plan,
    course,
    done_run,
    shared_rx,
    today,
)

pytestmark = pytest.mark.django_db


def dashboard_url(provider: Provider) -> str:
    return reverse("insights:dashboard", args=[provider.pk])


def suggestion_url(provider: Provider) -> str:
    return reverse("insights:suggestion", args=[provider.pk])


class TestAccess:
    def test_anonymous_visitors_are_sent_to_log_in(self, client: Client, ahec: Provider) -> None:
        for url in (reverse("insights:home"), dashboard_url(ahec), suggestion_url(ahec)):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))

    def test_a_technologist_gets_404(self, client: Client, bob: Any, ahec: Provider) -> None:
        client.force_login(bob)
        assert client.get(reverse("insights:home")).status_code == 404
        assert client.get(dashboard_url(ahec)).status_code == 404

    def test_a_member_who_is_not_staff_gets_404(self, client: Client, ahec: Provider) -> None:
        member: Any = MembershipFactory(provider=ahec).user
        client.force_login(member)
        assert client.get(dashboard_url(ahec)).status_code == 404

    def test_another_providers_staff_gets_404_for_every_insights_page(
        self, client: Client, charlie: Any, ahec: Provider, ct_outline: OutlineVersion
    ) -> None:
        client.force_login(charlie)
        assert client.get(dashboard_url(ahec)).status_code == 404
        assert client.get(suggestion_url(ahec) + "?discipline=CT").status_code == 404
        own = course(ahec, "ahec-dose", ct_outline, {DOSE: "1"})
        response = client.post(
            suggestion_url(ahec),
            {"discipline": "CT", "courses": [own.pk], "code": "x", "title": "X", "price": "1"},
        )
        assert response.status_code == 404
        assert not Package.objects.exists()

    def test_a_missing_provider_gets_404(self, client: Client, alice: Any) -> None:
        client.force_login(alice)
        assert client.get(reverse("insights:dashboard", args=[99999])).status_code == 404

    def test_staff_land_on_their_provider(self, client: Client, alice: Any, ahec: Provider) -> None:
        client.force_login(alice)
        response = client.get(reverse("insights:home"))
        assert response["Location"] == dashboard_url(ahec)
        assert client.get(dashboard_url(ahec)).status_code == 200

    def test_the_provider_switcher_lists_only_the_users_providers(
        self, client: Client, alice: Any, charlie: Any, ahec: Provider, gage: Provider
    ) -> None:
        second: Provider = ProviderFactory(code="ahec-west", name="AHEC West")  # type: ignore[assignment]
        MembershipFactory(user=alice, provider=second)
        client.force_login(alice)
        response = client.get(dashboard_url(second))
        assert response.status_code == 200
        assert sorted(p.code for p in response.context["providers"]) == ["ahec", "ahec-west"]
        html = response.content.decode()
        assert dashboard_url(ahec) in html and dashboard_url(gage) not in html
        assert client.get(dashboard_url(gage)).status_code == 404


class TestFiguresCountOwnCoursesOnly:
    def test_supply_counts_only_own_courses_and_the_market_counts_all(
        self, alice: Any, ahec: Provider, gage: Provider, ct_outline: OutlineVersion
    ) -> None:
        course(ahec, "a1", ct_outline, {DOSE: "2"}, price="40.00")  # $20 per credit
        course(gage, "g1", ct_outline, {DOSE: "2"}, price="10.00")  # $5
        course(gage, "g2", ct_outline, {DOSE: "1"}, price="8.00")  # $8
        for _ in range(5):
            shared_rx(ct_outline, {DOSE: "1", CHEST: "1"})
        board = dashboard_for_provider(provider=ahec, discipline_code="CT", today=today())
        dose = next(r for r in board.supply if r.name == DOSE)
        assert (dose.courses, dose.credits, dose.cheapest_per_credit) == (
            1,
            Decimal(2),
            Decimal(20),
        )
        assert (dose.market_median, dose.market_courses) == (Decimal(8), 3)
        assert {(g.name, g.gap) for g in board.gaps} == {
            (DOSE, "priced above the market median"),
            (CHEST, "no course of yours"),
        }
        gage_board = dashboard_for_provider(provider=gage, discipline_code="CT", today=today())
        gage_dose = next(r for r in gage_board.supply if r.name == DOSE)
        assert (gage_dose.courses, gage_dose.cheapest_per_credit) == (2, Decimal(5))
        assert [g.name for g in gage_board.gaps] == [CHEST]

    def test_bundle_and_plan_counts_include_only_own_courses(
        self, alice: Any, ahec: Provider, gage: Provider, ct_outline: OutlineVersion
    ) -> None:
        mine = course(ahec, "a1", ct_outline, {DOSE: "2"})
        theirs = course(gage, "g1", ct_outline, {DOSE: "2"})
        for i in range(6):
            rx = shared_rx(ct_outline, {DOSE: "1"})
            done_run(rx, [mine, theirs] if i < 5 else [theirs])
            chosen_plan(rx, [theirs])
        uses = dashboard_for_provider(provider=ahec, discipline_code="CT", today=today()).uses
        assert uses is not None
        assert (uses.runs.value, uses.in_bundles.value, uses.plans.value) == (6, 5, 6)
        assert uses.in_plans.hidden  # no own course in any plan
        assert [(u.code, u.bundles.value) for u in uses.courses] == [("a1", 5)]
        gage_uses = dashboard_for_provider(provider=gage, discipline_code="CT", today=today()).uses
        assert gage_uses is not None
        assert [(u.code, u.bundles.value, u.plans.value) for u in gage_uses.courses] == [
            ("g1", 6, 6)
        ]

    def test_only_the_latest_finished_run_and_its_cheapest_bundle_count(
        self, alice: Any, ahec: Provider, ct_outline: OutlineVersion
    ) -> None:
        mine = course(ahec, "a1", ct_outline, {DOSE: "2"})
        other = course(ahec, "a2", ct_outline, {DOSE: "2"})
        for _ in range(5):
            rx = shared_rx(ct_outline, {DOSE: "1"})
            done_run(rx, [mine])  # an older run
            latest = done_run(rx, [other])  # the latest run: a2 in its cheapest bundle
            alternative = Bundle.objects.create(
                run=latest, rank=2, label="fewest hours", price=Decimal(99), hours=Decimal(1)
            )
            BundleCourse.objects.create(
                bundle=alternative, course=mine, code="a1", position=0, complete_by=rx.deadline
            )
            MatchingRun.objects.create(prescription=rx)  # a newer run, still queued
            unshared = shared_rx(ct_outline, {DOSE: "1"}, share=False)
            done_run(unshared, [mine])
        uses = dashboard_for_provider(provider=ahec, discipline_code="CT", today=today()).uses
        assert uses is not None
        assert [(u.code, u.bundles.value) for u in uses.courses] == [("a2", 5)]
        assert uses.runs.value == 5

    def test_a_suggestion_uses_only_own_courses(
        self, alice: Any, ahec: Provider, gage: Provider, ct_outline: OutlineVersion
    ) -> None:
        course(ahec, "a1", ct_outline, {DOSE: "1"}, price="50.00")
        course(gage, "g1", ct_outline, {DOSE: "2", CHEST: "2"}, price="5.00")
        for _ in range(5):
            shared_rx(ct_outline, {DOSE: "1"})
        view = suggestion_for_provider(
            provider=ahec, discipline=ct_outline.discipline, today=today()
        )
        assert [c.code for c in view.courses] == ["a1"]
