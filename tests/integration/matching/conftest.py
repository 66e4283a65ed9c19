"""A small CT catalog for the matching tests, built with the shared factories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

import pytest

from catalog.models import Course, OutlineVersion, Package, PackageItem, Provider
from tests.factories import (
    CourseFactory,
    DistributionFactory,
    PackageFactory,
    PrescriptionFactory,
    ProviderFactory,
    RequiredCreditFactory,
    make_outline,
)
from tests.integration.contract import catalog_data

D = Decimal


@dataclass
class Catalog:
    outline: OutlineVersion
    ahec: Provider
    gage: Provider
    dose: Course  # ahec, 1.50 Radiation Safety and Dose, $24
    image: Course  # ahec, 3.00 Image Formation, $40
    gage_image: Course  # gage, 2.00 Image Formation, $30 (webinar on 2027-02-01)
    gage_small: Course  # gage, 1.25 Image Formation, $15
    pack: Package  # ahec: dose + image for $50

    def sub(self, name: str):
        return self.outline.subcategories.get(name=name)


def add_course(provider: Provider, code: str, rows: dict, **fields: Any) -> Course:
    """A course with distribution rows {subcategory: credits}; ce_credits = their sum."""
    fields.setdefault("ce_credits", sum(rows.values(), D(0)) or D(1))
    fields.setdefault("hours", fields["ce_credits"])
    course = cast(Course, CourseFactory(provider=provider, code=code, **fields))
    for sub, credits in rows.items():
        DistributionFactory(course=course, subcategory=sub, credits=credits)
    return course


@pytest.fixture
def catalog(db: None) -> Catalog:
    outline = make_outline()
    ahec = cast(Provider, ProviderFactory(code="ahec", name="Advanced Health Education Center"))
    gage = cast(Provider, ProviderFactory(code="gage", name="Gage CE"))
    dose_sub = outline.subcategories.get(name="Radiation Safety and Dose")
    image_sub = outline.subcategories.get(name="Image Formation")
    dose = add_course(ahec, "ahec-ct-dose", {dose_sub: D("1.50")}, price=D("24.00"))
    image = add_course(ahec, "ahec-ct-img", {image_sub: D("3.00")}, price=D("40.00"))
    gage_image = add_course(
        gage,
        "gage-img",
        {image_sub: D("2.00")},
        price=D("30.00"),
        format="webinar",
        event_date=date(2027, 2, 1),
    )
    gage_small = add_course(gage, "gage-img2", {image_sub: D("1.25")}, price=D("15.00"))
    pack = cast(Package, PackageFactory(provider=ahec, code="ahec-pack", price=D("50.00")))
    PackageItem.objects.create(package=pack, course=dose)
    PackageItem.objects.create(package=pack, course=image)
    return Catalog(outline, ahec, gage, dose, image, gage_image, gage_small, pack)


# The same CT catalog as the contract tests' CATALOG, so their prescription fits it too.
prescription_document = catalog_data.prescription


@pytest.fixture
def prescription(catalog: Catalog, bob):
    """Bob's CT prescription: 3.00 Image Formation + 1.50 Radiation Safety and Dose."""
    rx = PrescriptionFactory(owner=bob, outline=catalog.outline)
    RequiredCreditFactory(prescription=rx, subcategory=catalog.sub("Image Formation"), credits=D(3))
    RequiredCreditFactory(
        prescription=rx, subcategory=catalog.sub("Radiation Safety and Dose"), credits=D("1.5")
    )
    return rx
