"""Shared prescriptions, own and other providers' courses, runs and plans for insights tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from catalog.models import Course, OutlineVersion, Provider, Subcategory
from matching.models import Bundle, BundleCourse, MatchingRun
from plans.models import Plan, PlanItem
from prescriptions.models import Prescription
from tests.factories import (
    CourseFactory,
    DistributionFactory,
    PrescriptionFactory,
    RequiredCreditFactory,
    UserFactory,
)

DOSE = "Radiation Safety and Dose"
FORMATION = "Image Formation"
CHEST = "Neck and Chest"
ABDOMEN = "Abdomen and Pelvis"


def today() -> date:
    return timezone.localdate()


def sub(outline: OutlineVersion, name: str) -> Subcategory:
    return outline.subcategories.get(name=name)


def shared_rx(
    outline: OutlineVersion,
    required: Mapping[str, str],
    *,
    share: bool = True,
    deadline: date | None = None,
    owner: Any = None,
) -> Prescription:
    """A CQR prescription with its required credits (shared by default, due in 100 days)."""
    prescription: Prescription = PrescriptionFactory(  # type: ignore[assignment]
        owner=owner or UserFactory(),
        outline=outline,
        issued_on=today() - timedelta(days=100),
        deadline=deadline or today() + timedelta(days=100),
        as_of=None,
        share_anonymously=share,
    )
    for name, credits in required.items():
        RequiredCreditFactory(
            prescription=prescription, subcategory=sub(outline, name), credits=Decimal(credits)
        )
    return prescription


def course(
    provider: Provider,
    code: str,
    outline: OutlineVersion,
    credits: Mapping[str, str],
    *,
    price: str | None = "20.00",
    ce: str = "4.00",
) -> Course:
    item: Course = CourseFactory(  # type: ignore[assignment]
        provider=provider,
        code=code,
        price=None if price is None else Decimal(price),
        ce_credits=Decimal(ce),
    )
    for name, value in credits.items():
        DistributionFactory(course=item, subcategory=sub(outline, name), credits=Decimal(value))
    return item


def done_run(prescription: Prescription, courses: list[Course], *, rank: int = 1) -> MatchingRun:
    """A finished run whose bundle `rank` holds `courses`."""
    run = MatchingRun.objects.create(
        prescription=prescription, status=MatchingRun.Status.DONE, outcome="optimal"
    )
    bundle = Bundle.objects.create(
        run=run, rank=rank, label="cheapest", price=Decimal(10), hours=Decimal(1)
    )
    for position, item in enumerate(courses):
        BundleCourse.objects.create(
            bundle=bundle,
            course=item,
            code=item.code,
            position=position,
            complete_by=prescription.deadline,
        )
    return run


def chosen_plan(prescription: Prescription, courses: list[Course]) -> Plan:
    plan = Plan.objects.create(prescription=prescription)
    for position, item in enumerate(courses):
        PlanItem.objects.create(
            plan=plan, course=item, position=position, complete_by=prescription.deadline
        )
    return plan


@pytest.fixture
def ahec(alice: Any) -> Provider:
    return Provider.objects.get(code="ahec")


@pytest.fixture
def gage(charlie: Any) -> Provider:
    return Provider.objects.get(code="gage")
