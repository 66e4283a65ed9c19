"""recommend(): the cqr-recommendation/1 document built from real solves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from matching.services.problem import recommend
from prescriptions.documents import prescription_spec_from_document
from tests.integration.matching.conftest import Catalog, add_course, prescription_document

D = Decimal


def recommend_for(alternatives: int = 0, **overrides):
    spec = prescription_spec_from_document(prescription_document(**overrides))
    return recommend(spec, alternatives=alternatives, time_limit=10)


def test_the_package_is_cheaper_than_its_parts(catalog: Catalog) -> None:
    document = recommend_for().document
    assert document["format"] == "cqr-recommendation/1"
    assert document["status"] == "optimal"
    assert document["shortfall"] == []
    (bundle,) = document["bundles"]
    assert bundle["rank"] == 1
    assert bundle["label"] == "cheapest"
    assert bundle["price"] == "50.00"
    assert bundle["purchases"] == [{"kind": "package", "code": "ahec-pack", "price": "50.00"}]
    assert sorted(bundle["courses"]) == ["ahec-ct-dose", "ahec-ct-img"]
    assert bundle["credits"] == {"Image Formation": "3.00", "Radiation Safety and Dose": "1.50"}
    assert {item["course"]: item["complete_by"] for item in bundle["schedule"]} == {
        "ahec-ct-dose": "2027-12-31",
        "ahec-ct-img": "2027-12-31",
    }


def test_alternatives_are_distinct_and_state_their_price_difference(catalog: Catalog) -> None:
    bundles = recommend_for(alternatives=2).document["bundles"]
    assert len(bundles) >= 2
    assert [b["rank"] for b in bundles] == list(range(1, len(bundles) + 1))
    course_sets = [frozenset(b["courses"]) for b in bundles]
    assert len(set(course_sets)) == len(course_sets)
    second = bundles[1]
    assert D(second["price_delta"]) == D(second["price"]) - D(bundles[0]["price"])


def test_owned_courses_are_free_and_completed_ones_subtract(catalog: Catalog) -> None:
    document = recommend_for(owned=["ahec-ct-img"], completed=["ahec-ct-dose"]).document
    (bundle,) = document["bundles"]
    assert bundle["price"] == "0.00"
    assert bundle["courses"] == ["ahec-ct-img"]
    assert bundle["purchases"] == []


def test_an_impossible_prescription_explains_its_shortfall(catalog: Catalog) -> None:
    document = recommend_for(
        deadline="2027-01-15",
        formats=["online"],
        required=[{"category": "Image Formation", "credits": 10}],
    ).document
    assert document["status"] == "infeasible"
    assert document["bundles"] == []
    assert document["shortfall"] == [
        {"category": "Image Formation", "required": "10.00", "available": "4.25"}
    ]
    assert {"reason": "format", "courses": 1} in document["reasons"]
    assert {"course": "gage-img", "reason": "format"} in document["exclusions"]


def test_weekly_hours_alone_can_make_it_infeasible(catalog: Catalog) -> None:
    add_course(catalog.gage, "long", {catalog.sub("Neck and Chest"): D(2)}, hours=D(40))
    document = recommend_for(
        deadline="2026-12-31",
        hours_per_week="1",
        required=[{"category": "Neck and Chest", "credits": 2}],
    ).document
    assert document["status"] == "infeasible"
    assert [r["reason"] for r in document["reasons"]] == ["weekly hours"]
    # The smallest change: the least weekly hours, checked by solving at them.
    least = document["least_hours_per_week"]
    assert least["proven"] is True
    assert (
        recommend_for(
            deadline="2026-12-31",
            hours_per_week=least["hours_per_week"],
            required=[{"category": "Neck and Chest", "credits": 2}],
        ).document["status"]
        == "optimal"
    )


def test_the_schedule_suggests_start_dates_when_hours_per_week_is_given(catalog: Catalog) -> None:
    recommendation = recommend_for(hours_per_week="2")
    (bundle,) = recommendation.document["bundles"]
    assert bundle["schedule"][0]["start_by"] == "2026-11-22"
    assert isinstance(bundle["slack_days"], int)
    assert recommendation.spec.as_of == date(2026, 11, 22)
    assert set(recommendation.timings) == {"load_seconds", "solve_seconds", "total_seconds"}
