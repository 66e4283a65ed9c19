"""The dashboard: demand by deadline quarter, heat levels, bounded queries, the page."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from catalog.models import OutlineVersion, Provider
from insights.demo import DEMO_DEMAND, UNSHARED_EVERY, demo_demand
from insights.selectors.dashboard import dashboard_for_provider
from insights.selectors.demand import Quarter
from matching.models import MatchingRun
from plans.models import Plan
from prescriptions.models import Prescription
from tests.integration.insights.conftest import (
    CHEST,
    DOSE,
    FORMATION,
    chosen_plan,
    course,
    done_run,
    shared_rx,
    today,
)

pytestmark = pytest.mark.django_db


def quarter_start(months_ahead: int) -> date:
    """The first day of the quarter `months_ahead` months from now (always in the future)."""
    now = today()
    month = now.month - 1 + months_ahead
    year = now.year + month // 12
    return date(year, (month % 12) // 3 * 3 + 1, 1)


class TestDemandByQuarter:
    def test_cells_hold_the_credits_and_prescriptions_of_their_deadline_quarter(
        self, alice: Any, ahec: Provider, ct_outline: OutlineVersion
    ) -> None:
        first, second = quarter_start(6), quarter_start(9)
        for _ in range(5):
            shared_rx(ct_outline, {DOSE: "1.5", CHEST: "1"}, deadline=first)
        for _ in range(6):
            shared_rx(ct_outline, {DOSE: "2"}, deadline=second)
        board = dashboard_for_provider(provider=ahec, discipline_code="CT", today=today())
        demand = board.demand
        assert demand is not None
        q1, q2 = (Quarter(d.year, (d.month - 1) // 3 + 1) for d in (first, second))
        assert demand.quarters == [q1, q2]
        assert [f.value for f in demand.quarter_prescriptions] == [5, 6]
        dose = next(r for r in demand.rows if r.name == DOSE)
        assert [(c.figure.value, c.figure.prescriptions) for c in dose.cells] == [
            (Decimal("7.5"), 5),
            (Decimal("12"), 6),
        ]
        assert (dose.credits.value, dose.prescriptions.value) == (Decimal("19.5"), 11)
        assert [c.css_class for c in dose.cells] == ["heat-4", "heat-5"]
        chest = next(r for r in demand.rows if r.name == CHEST)
        assert [c.figure.value for c in chest.cells] == [Decimal(5), None]
        formation = next(r for r in demand.rows if r.name == FORMATION)
        assert formation.credits.hidden and formation.css_class == "heat-hidden"

    def test_the_page_renders_the_heat_map_as_an_accessible_table_without_inline_code(
        self, client: Client, alice: Any, ahec: Provider, ct_outline: OutlineVersion
    ) -> None:
        course(ahec, "a-dose", ct_outline, {DOSE: "2"})
        for _ in range(5):
            shared_rx(ct_outline, {DOSE: "1"})
        client.force_login(alice)
        html = client.get(reverse("insights:dashboard", args=[ahec.pk])).content.decode()
        assert '<table class="data-table heatmap">' in html
        assert "<caption>Computed Tomography: prescribed CQR credits" in html
        assert '<th scope="row">Radiation Safety and Dose' in html
        assert "style=" not in html and "<script>" not in html and "onclick" not in html
        assert "heat-5" in html


class TestQueryCounts:
    @pytest.fixture
    def fill(
        self, ahec: Provider, gage: Provider, ct_outline: OutlineVersion
    ) -> Callable[[int], None]:
        """Adds n shared CT prescriptions, each with a run using an ahec and a gage course
        and every second one with a plan choosing the ahec course."""

        def add(n: int) -> None:
            mine = course(ahec, f"a-{n}", ct_outline, {DOSE: "1", CHEST: "1"})
            theirs = course(gage, f"g-{n}", ct_outline, {DOSE: "2"})
            for i in range(n):
                rx = shared_rx(ct_outline, {DOSE: "1", CHEST: "2", FORMATION: "0.5"})
                done_run(rx, [mine, theirs])
                if i % 2:
                    chosen_plan(rx, [mine])

        return add

    def test_the_dashboard_costs_the_same_queries_for_5_or_40_prescriptions(
        self,
        client: Client,
        alice: Any,
        ahec: Provider,
        fill: Callable[[int], None],
        django_assert_max_num_queries: Any,
    ) -> None:
        client.force_login(alice)
        url = reverse("insights:dashboard", args=[ahec.pk])
        fill(5)
        cache.clear()  # both requests start cold (the signed-in user's row is cached)
        with django_assert_max_num_queries(30) as few:
            client.get(url)
        fill(35)
        cache.clear()
        with django_assert_max_num_queries(30) as many:
            response = client.get(url)
        assert len(many.captured_queries) == len(few.captured_queries)
        uses = response.context["board"].uses
        assert (uses.in_bundles.value, uses.in_plans.value) == (40, 19)

    def test_the_suggestion_costs_a_bounded_number_of_queries(
        self,
        client: Client,
        alice: Any,
        ahec: Provider,
        fill: Callable[[int], None],
        django_assert_max_num_queries: Any,
    ) -> None:
        fill(30)
        client.force_login(alice)
        url = reverse("insights:suggestion", args=[ahec.pk]) + "?discipline=CT"
        with django_assert_max_num_queries(25):
            assert client.get(url).status_code == 200


class TestDemoDemand:
    def test_it_is_deterministic_with_at_least_40_shared_prescriptions(self) -> None:
        outlines = {"CT": [DOSE, CHEST, FORMATION, "Abdomen and Pelvis"], "R": ["A", "B", "C"]}
        first = demo_demand(outlines=outlines, today=date(2026, 5, 1))
        again = demo_demand(outlines=outlines, today=date(2026, 5, 1))
        assert first == again
        assert len(first) == DEMO_DEMAND["CT"] + DEMO_DEMAND["R"]
        shared = [p for p in first if p.share]
        assert len(shared) >= 40
        assert len(first) - len(shared) == sum(n // UNSHARED_EVERY for n in (64, 20))
        assert len({p.username for p in first}) >= 5
        for item in first:
            names = {r["category"] for r in item.document["required"]}
            assert names <= set(outlines[item.document["discipline"]])
            assert item.document["deadline"] > "2026-05-01"

    def test_the_command_seeds_shared_prescriptions_with_runs_and_plans_once(
        self,
        ct_outline: OutlineVersion,
        ahec: Provider,
        settings: Any,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        settings.DEBUG = True
        course(ahec, "a-dose", ct_outline, {DOSE: "3"}, ce="6")
        course(ahec, "a-mix", ct_outline, {CHEST: "3", FORMATION: "3"}, ce="6")
        course(ahec, "a-rest", ct_outline, {"Image Evaluation and Archiving": "3",
                                            "Patient Interactions and Management": "3",
                                            "Head, Spine, and Musculoskeletal": "3",
                                            "Abdomen and Pelvis": "3"}, ce="12")  # fmt: skip
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_demo_demand", today=today(), limit=12, stdout=out)
        created = Prescription.objects.count()
        assert created == 12  # the test database has only the CT outline
        assert Prescription.objects.filter(share_anonymously=True).count() == 11  # 1 in 8 not
        assert MatchingRun.objects.filter(status="done").count() == created
        assert Plan.objects.count() == 7  # two of every three shared ones
        assert f"{created} prescriptions created" in out.getvalue()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_demo_demand", today=today(), limit=12, stdout=out)
        assert Prescription.objects.count() == created
        assert "0 prescriptions created" in out.getvalue()
