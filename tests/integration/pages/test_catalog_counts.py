"""Catalog page and home page counts: cached per catalog revision, never stale after a
catalog change; page links elided for long result lists."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import views
from catalog.models import OutlineVersion
from catalog.services import catalog_import
from tests.factories import CourseFactory, DistributionFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def course_record(code: str, **fields: Any) -> dict[str, Any]:
    return {
        "code": code,
        "provider": "north",
        "title": f"Course {code}",
        "format": "online",
        "price": "10.00",
        "ce_credits": "1.0",
        "distribution": [
            {"discipline": "CT", "category": "Radiation Safety and Dose", "credits": "1.0"}
        ],
        **fields,
    }


def import_courses(*records: dict[str, Any]) -> None:
    catalog_import(
        document={
            "format": "cqr-catalog/1",
            "providers": [{"code": "north", "name": "North CE"}],
            "courses": list(records),
        }
    )


def count_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_the_catalog_count_is_cached_until_the_catalog_changes(
    client: Client, ct_outline: OutlineVersion
) -> None:
    import_courses(course_record("c1"), course_record("c2"))
    with CaptureQueriesContext(connection) as first:
        assert client.get("/catalog/?discipline=CT").context["page_obj"].paginator.count == 2
    with CaptureQueriesContext(connection) as second:
        assert client.get("/catalog/?discipline=CT").context["page_obj"].paginator.count == 2
    assert count_queries(first) and not count_queries(second)
    # The cards come from the cache too: no course page, no distribution rows read.
    assert any("catalog_creditdistribution" in q["sql"] for q in first.captured_queries)
    assert not any("catalog_creditdistribution" in q["sql"] for q in second.captured_queries)

    import_courses(course_record("c3"))  # a new catalog revision
    response = client.get("/catalog/?discipline=CT")
    assert response.context["page_obj"].paginator.count == 3
    assert "Course c3" in response.content.decode()  # the cached cards were not reused
    import_courses(course_record("c1", is_active=False))
    response = client.get("/catalog/?discipline=CT")
    assert response.context["page_obj"].paginator.count == 2
    assert [c.code for c in response.context["page_obj"]] == ["c2", "c3"]
    assert "Course c1" not in response.content.decode()


def test_each_filter_has_its_own_count(client: Client, ct_outline: OutlineVersion) -> None:
    import_courses(
        course_record("c1", price="5.00"),
        course_record("c2", price="9.00", format="webinar", event_date=None),
    )
    assert client.get("/catalog/").context["page_obj"].paginator.count == 2
    assert client.get("/catalog/?format=webinar").context["page_obj"].paginator.count == 1
    cheap_first = client.get("/catalog/?sort=price").content.decode()
    dear_first = client.get("/catalog/?sort=-price&junk=1").content.decode()
    assert cheap_first.index("Course c1") < cheap_first.index("Course c2")
    assert dear_first.index("Course c2") < dear_first.index("Course c1")
    neck = ct_outline.subcategories.get(name="Neck and Chest").pk
    assert client.get(f"/catalog/?subcategory={neck}").context["page_obj"].paginator.count == 0


def test_the_home_page_counts_are_cached_until_the_catalog_changes(
    client: Client, ct_outline: OutlineVersion
) -> None:
    import_courses(course_record("c1"))
    assert "1 active course from 1 provider" in client.get("/").content.decode()
    with CaptureQueriesContext(connection) as cached:
        client.get("/")
    assert not count_queries(cached)
    assert 'value="south"' not in client.get("/catalog/").content.decode()  # pickers cached
    catalog_import(
        document={
            "format": "cqr-catalog/1",
            "providers": [{"code": "south", "name": "South CE"}],
            "courses": [{**course_record("s1"), "provider": "south"}],
        }
    )
    assert "2 active courses from 2 providers" in client.get("/").content.decode()
    assert 'value="south"' in client.get("/catalog/").content.decode()  # a new revision


def test_long_result_lists_link_first_last_and_nearby_pages_only(
    client: Client, ct_outline: OutlineVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "COURSES_PER_PAGE", 1)
    provider = ProviderFactory(code="north")
    sub = ct_outline.subcategories.get(name="Radiation Safety and Dose")
    for i in range(12):
        course = CourseFactory(provider=provider, title=f"Course {i:02d}")
        DistributionFactory(course=course, subcategory=sub, credits=Decimal("0.50"))
    page = client.get("/catalog/?page=6").content.decode()
    nav = page[page.index('<nav class="pagination"') :]
    nav = nav[: nav.index("</nav>")]
    linked = [int(number) for number in re.findall(r'\?page=(\d+)"', nav)]
    assert '<span aria-current="page">6</span>' in nav
    assert nav.count('class="ellipsis"') == 2
    # previous, 1, 4 5 | 7 8, 12, next
    assert linked == [5, 1, 4, 5, 7, 8, 12, 7]


def test_the_course_query_is_built_only_when_the_results_are_not_cached(
    client: Client, ct_outline: OutlineVersion, monkeypatch: Any
) -> None:
    import_courses(course_record("c1"), course_record("c2", title="Another"))
    built: list[dict[str, Any]] = []
    course_list_public = views.selectors.course_list_public

    def counted(**filters: Any) -> Any:
        built.append(filters)
        return course_list_public(**filters)

    monkeypatch.setattr(views.selectors, "course_list_public", counted)
    first = client.get("/catalog/?discipline=CT&sort=price").content.decode()
    assert "Course c1" in first and "Another" in first
    assert len(built) == 1
    again = client.get("/catalog/?discipline=CT&sort=price").content.decode()
    assert len(built) == 1  # the cached results fragment: no query built
    assert again.split("csrfmiddlewaretoken")[0].count("Course c1") == 1
    import_courses(course_record("c3", title="Third"))
    assert "Third" in client.get("/catalog/?discipline=CT&sort=price").content.decode()
    assert len(built) == 2
