"""catalog.credits: one rule for a course's credits across outline versions, used by the
engine's problem loading and the bundles page's credit sheet alike."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import pytest

from catalog.credits import OutlineNames, split_hundredths
from catalog.models import Course, CreditDistribution, OutlineVersion
from catalog.selectors import outline_in_force
from catalog.services import catalog_import
from core.db_json import json_rows_of
from core.money import to_hundredths
from matching.services.problem import solver_problem_from_spec
from plans.selectors.credits import Requirement
from plans.selectors.lines import item_course
from prescriptions.documents import prescription_spec_from_document
from tests.integration.contract.outline_versions_data import NEW, OLD, catalog, prescription

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported() -> None:
    catalog_import(document=catalog(), source="bs versions")


def credits_against(version: str) -> dict[str, dict[str, int]]:
    target = OutlineVersion.objects.select_related("discipline").get(
        discipline__code="BS", version=version
    )
    names = OutlineNames(target=target)
    rows = [
        (course_id, sub_id, to_hundredths(credits))
        for course_id, sub_id, credits in CreditDistribution.objects.values_list(
            "course_id", "subcategory_id", "credits"
        )
    ]
    codes = dict(Course.objects.values_list("id", "code"))
    return {codes[c]: v for c, v in names.course_credits(rows).items()}


def test_against_the_new_version(imported: None) -> None:
    assert credits_against(NEW) == {
        "bs-both": {"Patient Care, Safety, and Communication": 150},  # once
        "bs-old-proc": {
            "Diagnostic Breast Procedures": 100,
            "Interventional Breast Procedures": 100,
        },
        "bs-new-diag": {"Diagnostic Breast Procedures": 200},
        "bs-old-img": {"Image Quality": 200},  # merged: the two old rows add up
        "bs-new-iq": {"Image Quality": 100},
    }


def test_against_the_old_version(imported: None) -> None:
    assert credits_against(OLD) == {
        "bs-both": {"Patient Care and Safety": 150},  # once
        "bs-old-proc": {"Breast Procedures": 200},
        "bs-new-diag": {"Breast Procedures": 200},  # the split, read backward
        "bs-old-img": {"Image Optimization": 100, "Artifacts": 100},
        "bs-new-iq": {"Image Optimization": 50, "Artifacts": 50},  # the merge, read backward
    }


def test_the_target_versions_own_tagging_wins_over_another_versions(imported: None) -> None:
    course = Course.objects.get(code="bs-both")
    row = CreditDistribution.objects.get(
        course=course, subcategory__name="Patient Care, Safety, and Communication"
    )
    row.credits = Decimal("1.00")
    row.save()
    assert credits_against(NEW)["bs-both"] == {"Patient Care, Safety, and Communication": 100}
    assert credits_against(OLD)["bs-both"] == {"Patient Care and Safety": 150}


@pytest.mark.parametrize(
    ("credits", "shares", "expected"),
    [
        (200, (("a", Fraction(1, 2)), ("b", Fraction(1, 2))), [("a", 100), ("b", 100)]),
        (125, (("a", Fraction(1, 2)), ("b", Fraction(1, 2))), [("a", 63), ("b", 62)]),
        (100, tuple((k, Fraction(1, 3)) for k in "abc"), [("a", 34), ("b", 33), ("c", 33)]),
        (75, (("a", Fraction(1)),), [("a", 75)]),
    ],
)
def test_a_split_row_adds_up_exactly(credits, shares, expected) -> None:
    parts = split_hundredths(credits, shares)
    assert parts == expected and sum(v for _, v in parts) == credits


@pytest.mark.parametrize("issued_on", ["2026-10-01", "2025-10-01"])
def test_the_engine_and_the_page_use_the_same_numbers(imported: None, issued_on: str) -> None:
    spec = prescription_spec_from_document(
        prescription(issued_on, [], extra=[{"kind": "total_discipline", "credits": "1"}])
    )
    assert spec.outline.version == (NEW if issued_on >= "2026-09-01" else OLD)
    problem, index = solver_problem_from_spec(spec)
    courses = list(Course.objects.all())
    page = Requirement(spec).contributions(courses)
    for solver_course in problem.courses:
        course_id = index.courses[solver_course.code].id
        engine_total = sum(solver_course.credits.values())
        assert to_hundredths(page[course_id]["total_discipline"]) == engine_total


def test_the_version_in_force_follows_the_dates(imported: None) -> None:
    def version_on(day: date) -> str | None:
        outline = outline_in_force(code="BS", on=day)
        return outline.version if outline else None

    assert version_on(date(2026, 8, 31)) == OLD
    assert version_on(date(2026, 9, 1)) == NEW
    assert version_on(date(2019, 1, 1)) == OLD  # before any version: the first one


def test_the_names_come_in_one_query_with_their_aliases(
    imported: None, django_assert_num_queries: Any
) -> None:
    """Subcategories and aliases are one UNION ALL (plus the mappings: two versions)."""
    from catalog.models import Subcategory, SubcategoryAlias

    target = OutlineVersion.objects.select_related("discipline").get(
        discipline__code="BS", version=NEW
    )
    subs = Subcategory.objects.filter(outline__discipline__code="BS")
    first = subs.filter(outline=target).first()
    assert first is not None
    SubcategoryAlias.objects.create(outline=target, alias="An older wording", subcategory=first)
    with django_assert_num_queries(2):
        names = OutlineNames(target=target)
    assert names.all_ids() == set(subs.values_list("id", flat=True))
    current = subs.filter(outline=target).select_related("major")
    assert list(names.majors.items()) == [(s.name, s.major.name) for s in current]
    assert names.resolve("An older wording") == first.pk
    assert names.resolve(first.name) == first.pk


@pytest.mark.parametrize("issued_on", ["2026-10-01", "2025-10-01"])
def test_credit_rows_read_with_their_row_give_what_the_query_gives(
    imported: None, issued_on: str, django_assert_num_queries: Any
) -> None:
    """The pages read a course's credit rows with its bundle or plan item (a JSON
    aggregate, plans.selectors.lines.item_course): the same contributions, no query."""
    spec = prescription_spec_from_document(
        prescription(issued_on, [], extra=[{"kind": "total_discipline", "credits": "1"}])
    )
    rows = json_rows_of(CreditDistribution.objects, "course_id", "id", "subcategory_id", "credits")
    carried = [
        item_course(SimpleNamespace(course=course, course_credit_rows=course.rows))  # type: ignore[arg-type]
        for course in Course.objects.annotate(rows=rows).order_by("id")
    ]
    assert all(getattr(course, "credit_rows", None) for course in carried)
    queried = Requirement(spec).contributions(list(Course.objects.order_by("id")))
    requirement = Requirement(spec)
    assert requirement.names.all_ids()  # the names are read before counting queries
    with django_assert_num_queries(0):
        assert requirement.contributions([c for c in carried if c is not None]) == queried
