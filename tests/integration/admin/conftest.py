"""Admin personas with their real permissions, and POST-data builders for admin forms."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

import pytest
from django.contrib.auth import get_user_model

from catalog.models import Course, OutlineVersion, Package, Provider, Subcategory
from catalog.services import staff_grant_catalog_permissions
from tests.factories import CourseFactory, DistributionFactory, PackageFactory


@pytest.fixture
def ahec_staff(alice: Any) -> Any:
    """Alice, staff of provider A ("ahec"), with the Provider staff group."""
    staff_grant_catalog_permissions(user=alice)
    return alice


@pytest.fixture
def gage_staff(charlie: Any) -> Any:
    """Charlie, staff of provider B ("gage"), with the Provider staff group."""
    staff_grant_catalog_permissions(user=charlie)
    return charlie


@pytest.fixture
def superuser(db: None) -> Any:
    return get_user_model().objects.create_superuser(
        username="root", email="root@example.org", password="root-pass-2026"
    )


@pytest.fixture
def ahec(alice: Any) -> Provider:
    return Provider.objects.get(code="ahec")


@pytest.fixture
def gage(charlie: Any) -> Provider:
    return Provider.objects.get(code="gage")


def sub(outline: OutlineVersion, name: str) -> Subcategory:
    return outline.subcategories.get(name=name)


@pytest.fixture
def ahec_course(ahec: Provider, ct_outline: OutlineVersion) -> Course:
    course = cast(
        Course, CourseFactory(provider=ahec, code="ahec-ct-dose", title="AHEC Dose Secrets")
    )
    DistributionFactory(
        course=course, subcategory=sub(ct_outline, "Radiation Safety and Dose"), credits="1.50"
    )
    return course


@pytest.fixture
def gage_course(gage: Provider, ct_outline: OutlineVersion) -> Course:
    course = cast(
        Course, CourseFactory(provider=gage, code="gage-ct-neck", title="Gage Neck and Chest")
    )
    DistributionFactory(course=course, subcategory=sub(ct_outline, "Neck and Chest"), credits="1")
    return course


@pytest.fixture
def ahec_package(ahec: Provider, ahec_course: Course) -> Package:
    package = cast(
        Package, PackageFactory(provider=ahec, code="ahec-pack", title="AHEC Secret Pack")
    )
    package.items.create(course=ahec_course)
    return package


def management_form(prefix: str, *, total: int, initial: int) -> dict[str, int]:
    """The management form of the inline formset `prefix`: how many rows, how many saved."""
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


def course_post(
    course: Course | None = None,
    *,
    rows: Sequence[tuple[int, str]] = (),
    **fields: Any,
) -> dict[str, Any]:
    """POST data for the course add/change form with its distribution inline.

    `rows` are (subcategory id, credits) for new inline rows; existing rows are kept as is.
    """
    data: dict[str, Any] = {
        "provider": course.provider_id if course else "",
        "code": course.code if course else "",
        "title": course.title if course else "",
        "format": course.format if course else "online",
        "url": course.url if course else "",
        "arrt_activity_id": course.arrt_activity_id if course else "",
        "ce_credits": str(course.ce_credits) if course else "2.00",
        "hours": str(course.hours) if course else "",
        "price": "" if course is None or course.price is None else str(course.price),
        "cqr_eligible": "on",
        "approval_expires": course.approval_expires.isoformat()
        if course and course.approval_expires
        else "",
        "event_date": course.event_date.isoformat() if course and course.event_date else "",
        "is_active": "on",
    }
    existing = list(course.distribution.all()) if course else []
    for index, row in enumerate(existing):
        data[f"distribution-{index}-id"] = row.pk
        data[f"distribution-{index}-course"] = course.pk if course else ""
        data[f"distribution-{index}-subcategory"] = row.subcategory_id
        data[f"distribution-{index}-credits"] = str(row.credits)
    for offset, (subcategory_id, credits) in enumerate(rows):
        index = len(existing) + offset
        data[f"distribution-{index}-subcategory"] = subcategory_id
        data[f"distribution-{index}-credits"] = credits
    data.update(
        management_form("distribution", total=len(existing) + len(rows), initial=len(existing))
    )
    data.update({k: ("" if v is None else v) for k, v in fields.items()})
    return data


def package_post(
    package: Package | None = None,
    *,
    courses: Sequence[Course] = (),
    **fields: Any,
) -> dict[str, Any]:
    """POST data for the package form; `courses` are added as new member rows."""
    data: dict[str, Any] = {
        "provider": package.provider_id if package else "",
        "code": package.code if package else "",
        "title": package.title if package else "",
        "price": str(package.price) if package else "10.00",
        "is_active": "on",
    }
    existing = list(package.items.all()) if package else []
    for index, item in enumerate(existing):
        data[f"items-{index}-id"] = item.pk
        data[f"items-{index}-package"] = package.pk if package else ""
        data[f"items-{index}-course"] = item.course_id
    for offset, course in enumerate(courses):
        data[f"items-{len(existing) + offset}-course"] = course.pk
    data.update(management_form("items", total=len(existing) + len(courses), initial=len(existing)))
    data.update(fields)
    return data


TWO = Decimal("2.00")
