"""Courses a technologist found outside the catalog and added for their own plans.

A private course is a `catalog.Course` row with an `owner` and no provider (the provider's
name as typed is `provider_name`). `Course.objects` never returns it, so the catalog, its
API and export, provider pages and insights leave it out; the owner's prescriptions take
it as a candidate (matching.services.problem) and every page marks it "added by you".
Only the owner reaches it (`plans.selectors.private`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import Course as CatalogCourse
from catalog.models import CourseFormat, CreditDistribution, Subcategory
from catalog.rules import course_rule_errors, default_hours
from core.money import CENT
from matching.services.staleness import run_mark_stale_for_owner
from plans.models import PlanItem

MAX_ROWS = 30


@dataclass(frozen=True)
class PrivateCourseInput:
    """What the form and the API read; `distribution` is (subcategory, credits) per row."""

    title: str
    provider_name: str
    format: str
    price: Decimal
    ce_credits: Decimal
    distribution: tuple[tuple[Subcategory, Decimal], ...]
    hours: Decimal | None = None  # None: CE credits × 50 minutes
    url: str = ""
    event_date: date | None = None
    approval_expires: date | None = None


def _to_cents(data: PrivateCourseInput) -> PrivateCourseInput:
    """Amounts as stored (two places), so messages show what would be saved."""
    return replace(
        data,
        price=data.price.quantize(CENT),
        ce_credits=data.ce_credits.quantize(CENT),
        hours=None if data.hours is None else data.hours.quantize(CENT),
        distribution=tuple((sub, credits.quantize(CENT)) for sub, credits in data.distribution),
    )


def private_course_errors(data: PrivateCourseInput) -> dict[str, str]:
    """{field: message} for every broken rule (the catalog's rules plus the private ones)."""
    data = _to_cents(data)
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = "Enter the course title."
    if not data.provider_name.strip():
        errors["provider_name"] = "Enter who offers the course (as ARRT's CE search names it)."
    if data.format not in CourseFormat.values:
        errors["format"] = f"Choose one of: {', '.join(CourseFormat.labels)}."
    if data.price < 0:
        errors["price"] = "The price cannot be negative (enter 0 for a free course)."
    if data.ce_credits <= 0:
        errors["ce_credits"] = "CE credits must be greater than 0."
    if data.hours is not None and data.hours < 0:
        errors["hours"] = "Hours cannot be negative."
    if not data.distribution:
        errors["distribution"] = (
            "Enter at least one subcategory with its credits, as ARRT's CE search shows "
            "the course's credit distribution."
        )
    elif len(data.distribution) > MAX_ROWS:
        errors["distribution"] = f"At most {MAX_ROWS} subcategories per course."
    seen: set[int] = set()
    for sub, credits in data.distribution:
        if credits <= 0:
            errors["distribution"] = f"{sub.name}: credits must be greater than 0."
        if sub.pk in seen:
            errors["distribution"] = f"{sub.name} is listed twice; enter it once."
        seen.add(sub.pk)
    if "ce_credits" not in errors and "format" not in errors:
        rules = course_rule_errors(
            format=data.format,
            price=data.price,
            ce_credits=data.ce_credits,
            event_date=data.event_date,
            distribution=[(s.outline.discipline.code, c) for s, c in data.distribution],
        )
        for field, message in rules.items():
            errors.setdefault(field, message[0].upper() + message[1:] + ".")
    return errors


def _values(data: PrivateCourseInput) -> dict[str, Any]:
    data = _to_cents(data)
    return {
        "title": data.title.strip(),
        "provider_name": data.provider_name.strip(),
        "format": data.format,
        "price": data.price,
        "ce_credits": data.ce_credits,
        "hours": data.hours if data.hours is not None else default_hours(data.ce_credits),
        "url": data.url.strip(),
        "event_date": data.event_date,
        "approval_expires": data.approval_expires,
    }


def _write_distribution(course: CatalogCourse, rows: Sequence[tuple[Subcategory, Decimal]]) -> None:
    CreditDistribution.objects.filter(course=course).delete()
    CreditDistribution.objects.bulk_create(
        CreditDistribution(course=course, subcategory=sub, credits=credits.quantize(CENT))
        for sub, credits in rows
    )


@transaction.atomic
def private_course_create(*, owner: Any, data: PrivateCourseInput) -> CatalogCourse:
    """Add the course for `owner` only; their open prescriptions are re-planned with it."""
    errors = private_course_errors(data)
    if errors:
        raise ValidationError(errors)
    course = CatalogCourse.all_courses.create(
        owner=owner, provider=None, code="own", cqr_eligible=True, **_values(data)
    )
    course.code = f"own-{course.pk}"  # unique and stable; never a provider's code
    course.save(update_fields=["code"])
    _write_distribution(course, data.distribution)
    run_mark_stale_for_owner(owner_id=owner.pk)
    return course


@transaction.atomic
def private_course_update(*, course: CatalogCourse, data: PrivateCourseInput) -> CatalogCourse:
    """Change the owner's course (reached through `private_course_get_for_user`)."""
    assert course.owner_id is not None, "only a private course is edited here"
    errors = private_course_errors(data)
    if errors:
        raise ValidationError(errors)
    for name, value in _values(data).items():
        setattr(course, name, value)
    course.save()
    _write_distribution(course, data.distribution)
    run_mark_stale_for_owner(owner_id=course.owner_id)
    return course


def private_course_delete_blockers(*, course: CatalogCourse) -> list[str]:
    """Why the course cannot be deleted: the titles of the prescriptions whose chosen plan
    has it (a plan keeps its courses; choose another bundle or re-plan first)."""
    items = PlanItem.objects.filter(course=course).select_related("plan__prescription")
    return sorted({str(item.plan.prescription) for item in items})


@transaction.atomic
def private_course_delete(*, course: CatalogCourse) -> None:
    """Delete the owner's course; refused (ValidationError) while a plan has it."""
    assert course.owner_id is not None, "only a private course is deleted here"
    blockers = private_course_delete_blockers(course=course)
    if blockers:
        raise ValidationError(
            f"“{course.title}” is in your plan for {', '.join(blockers)}. Choose another "
            "bundle or re-plan that prescription first, then delete the course."
        )
    owner_id = course.owner_id
    course.delete()
    run_mark_stale_for_owner(owner_id=owner_id)
