"""Public course search and outlines."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from catalog.models import Course
from tests.integration.api.conftest import assert_error

pytestmark = pytest.mark.usefixtures("catalog")


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_anyone_can_search_the_catalog_with_credit_distributions(anon: APIClient) -> None:
    response = anon.get("/api/v1/courses/")
    body = response.json()
    assert body["count"] == 3
    dose = next(row for row in body["results"] if row["code"] == "ahec-ct-dose")
    assert dose["price"] == "24.00"
    assert dose["provider"]["code"] == "ahec"
    safety = next(r for r in dose["distribution"] if r["category"] == "Radiation Safety and Dose")
    assert safety["discipline"] == "CT"
    assert safety["major"] == "Safety"
    assert safety["credits"] == "1.50"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("format=live", ["gage-ct-live"]),
        ("provider=ahec", ["ahec-ct-dose", "ahec-ct-image"]),
        ("price_min=25&price_max=100", ["ahec-ct-image"]),
        ("expiring_before=2028-12-31", ["ahec-ct-dose"]),
        ("subcategory=Radiation Safety and Dose&sort=price", ["ahec-ct-dose", "gage-ct-live"]),
        ("discipline=CT&sort=-price", ["gage-ct-live", "ahec-ct-image", "ahec-ct-dose"]),
        ("discipline=ct&sort=-price", ["gage-ct-live", "ahec-ct-image", "ahec-ct-dose"]),
        (
            "discipline=ct&subcategory=Radiation Safety and Dose&sort=price",
            ["ahec-ct-dose", "gage-ct-live"],
        ),
        ("discipline=MR", []),
        ("q=workshop", ["gage-ct-live"]),
    ],
)
def test_filters_narrow_the_search(anon: APIClient, query: str, expected: list[str]) -> None:
    assert codes(anon.get(f"/api/v1/courses/?{query}")) == expected


def test_the_subcategory_id_filter_matches_the_outline_ids(
    anon: APIClient, ct_outline: Any
) -> None:
    sub = ct_outline.subcategories.get(name="Image Formation")
    found = codes(anon.get(f"/api/v1/courses/?subcategory_id={sub.pk}&sort=price"))
    assert found == ["ahec-ct-dose", "ahec-ct-image", "gage-ct-live"]


def test_a_bad_filter_value_is_a_400_naming_it(anon: APIClient) -> None:
    error = assert_error(anon.get("/api/v1/courses/?format=podcast&price_min=abc"), 400)
    assert {row["field"] for row in error["details"]} == {"format", "price_min"}


def test_results_are_paginated(anon: APIClient) -> None:
    first = anon.get("/api/v1/courses/?page_size=2").json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = anon.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert_error(anon.get("/api/v1/courses/?page=9"), 404, "not_found")


def test_retired_courses_leave_the_public_catalog(anon: APIClient) -> None:
    course = Course.objects.get(code="gage-ct-live")
    Course.objects.filter(pk=course.pk).update(is_active=False)
    assert "gage-ct-live" not in codes(anon.get("/api/v1/courses/"))
    assert_error(anon.get(f"/api/v1/courses/{course.pk}/"), 404)


def test_a_course_has_a_public_detail(anon: APIClient) -> None:
    course = Course.objects.get(code="ahec-ct-image")
    body = anon.get(f"/api/v1/courses/{course.pk}/").json()
    assert body["title"] == "Image Formation in CT"
    assert body["hours"] == "2.50"  # default: 3 credits × 50 / 60
    assert body["tags"] == []
    Course.objects.filter(pk=course.pk).update(tags=["hiv-aids", "mammography"])
    body = anon.get(f"/api/v1/courses/{course.pk}/").json()
    assert body["tags"] == ["hiv-aids", "mammography"]


def test_outlines_list_the_names_prescriptions_use(anon: APIClient) -> None:
    outlines = anon.get("/api/v1/outlines/").json()
    ct = next(o for o in outlines if o["discipline"] == "CT")
    names = [s["name"] for major in ct["majors"] for s in major["subcategories"]]
    assert "Radiation Safety and Dose" in names
