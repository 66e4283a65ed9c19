"""What the engine proved, in plain words, on the bundles page, the plan and the PDF."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from plans.selectors.proof import Ranked, proof_of
from tests.integration.web.conftest import add_course, make_prescription
from tests.integration.web.test_bundles_page import detail, text
from tests.integration.web.test_plan import choose, page_text, pdf_text

D = Decimal
ON = date(2026, 12, 2)


def ranked(rank: int, price: str, *providers: str, label: str = "") -> Ranked:
    return Ranked(rank=rank, label=label or f"bundle {rank}", price=D(price), providers=providers)


def test_an_optimal_result_says_nothing_in_the_catalog_costs_less_and_the_saving() -> None:
    proof = proof_of(
        outcome="optimal",
        gap=0.0,
        bundles=[ranked(1, "45.00", "AHEC", "Gage CE"), ranked(2, "50.00", "Gage CE")],
        catalog_on=ON,
        searched=5,
        catalog_size=1204,
        single_search="complete",
    )
    assert proof is not None and proof.proved
    assert proof.headline == (
        "Proved cheapest: no combination of courses in the catalog of Dec 2, 2026 meets this "
        "prescription for less than $45.00 (bundle 1)."
    )
    assert proof.details[0] == (
        "The cheapest plan from a single provider, from Gage CE (bundle 2), costs $50.00: "
        "mixing providers saves you $5.00."
    )
    assert "searched 5 courses" in proof.details[1]
    assert "out of 1,204 active courses in the catalog" in proof.details[1]


@pytest.mark.parametrize(
    ("catalog", "own", "said"),
    [
        (5, 1, ", out of 5 active courses in the catalog and 1 of your own, and every way"),
        (1204, 3, ", out of 1,204 active courses in the catalog and 3 of your own, and every"),
        (1, 0, ", out of 1 active course in the catalog, and every way"),
    ],
)
def test_own_courses_are_counted_apart_from_the_catalog(catalog: int, own: int, said: str) -> None:
    proof = proof_of(
        outcome="optimal",
        gap=0.0,
        bundles=[ranked(1, "10.00", "A")],
        catalog_on=ON,
        searched=6,
        catalog_size=catalog,
        own_courses=own,
    )
    assert proof is not None
    assert said in proof.details[1]


def test_the_headline_names_own_courses_when_the_search_took_them() -> None:
    def headline(outcome: str, own: int) -> str:
        proof = proof_of(
            outcome=outcome,
            gap=0.1,
            bundles=[ranked(1, "20.00", "A")],
            catalog_on=ON,
            catalog_size=5,
            own_courses=own,
        )
        assert proof is not None
        return proof.headline

    pool = "courses in the catalog of Dec 2, 2026 and your own courses"
    assert f"no combination of {pool} meets this" in headline("optimal", own=1)
    assert f"no combination of {pool} can cost less" in headline("feasible", own=2)
    assert "your own" not in headline("optimal", own=0)


def test_a_time_limited_result_gives_the_gap_and_the_bound() -> None:
    proof = proof_of(
        outcome="feasible",
        gap=0.1,
        bundles=[ranked(1, "200.00", "A", "B")],
        catalog_on=ON,
        single_search="stopped",
    )
    assert proof is not None and not proof.proved
    assert "Not proved cheapest: the search stopped at its time limit." in proof.headline
    assert "can cost less than $180.00" in proof.headline
    assert "at most 10.0% above the cheapest possible" in proof.headline
    assert "saving against one provider is not known" in proof.details[0]


def test_no_single_provider_plan_and_a_single_provider_bundle_1_are_said() -> None:
    none = proof_of(
        outcome="optimal",
        gap=0.0,
        bundles=[ranked(1, "10.00", "A", "B")],
        catalog_on=ON,
        single_search="complete",
    )
    assert none is not None
    assert none.details[0].startswith("No single provider offers courses that meet this whole")
    single = proof_of(outcome="optimal", gap=0.0, bundles=[ranked(1, "10.00", "A")], catalog_on=ON)
    assert single is not None
    assert single.details[0].startswith("Bundle 1 already comes from a single provider, A")
    assert proof_of(outcome="infeasible", gap=None, bundles=[], catalog_on=ON) is None


@pytest.fixture
def mixed(bob, catalog, django_capture_on_commit_callbacks):
    """Bundle 1 mixes AHEC and Gage ($45); one provider alone costs $50."""
    add_course(catalog.gage, "gage-dose2", {"Radiation Safety and Dose": D("1.50")}, price=D(5))
    with django_capture_on_commit_callbacks(execute=True):
        return make_prescription(bob)


def test_the_bundles_page_plan_and_pdf_say_what_was_proved(client, bob, mixed, tmp_path):
    client.force_login(bob)
    today = timezone.localdate()
    headline = (
        f"Proved cheapest: no combination of courses in the catalog of {today:%b} {today.day}, "
        f"{today.year} meets this prescription for less than $45.00 (bundle 1)."
    )
    page = text(detail(client, mixed))
    assert headline in page
    assert "mixing providers saves you $5.00" in page
    assert "The engine searched" in page and "active courses in the catalog" in page
    choose(client, mixed)
    plan = page_text(client.get(reverse("prescriptions:plan", args=[mixed.pk])))
    assert headline in plan and "mixing providers saves you $5.00" in plan
    pdf = pdf_text(client.get(reverse("prescriptions:plan_pdf", args=[mixed.pk])).content, tmp_path)
    assert headline in pdf and "mixing providers saves you $5.00" in pdf


def test_a_single_provider_bundle_1_is_said_on_the_bundles_page(client, bob, bob_prescription):
    client.force_login(bob)
    page = text(detail(client, bob_prescription))
    assert "Bundle 1 already comes from a single provider, Advanced Health Education Center" in page
