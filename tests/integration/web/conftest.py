"""A small CT catalog and prescriptions for the web tests, built with the factories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from catalog.models import Course, OutlineVersion, Package, PackageItem, Provider
from matching.models import Bundle
from plans import services
from plans.models import Plan
from prescriptions.documents import prescription_spec_from_document
from prescriptions.models import Prescription
from tests.factories import (
    CourseFactory,
    DistributionFactory,
    PackageFactory,
    ProviderFactory,
    UserFactory,
    make_outline,
)

D = Decimal


@dataclass
class WebCatalog:
    outline: OutlineVersion
    ahec: Provider
    gage: Provider
    dose: Course  # ahec: 1.50 Radiation Safety and Dose, $24
    image: Course  # ahec: 3.00 Image Formation, $40
    gage_image: Course  # gage: 2.00 Image Formation, $30
    gage_small: Course  # gage: 1.25 Image Formation, $15
    gage_dose: Course  # gage: 1.00 Radiation Safety and Dose + 0.50 Image Formation, $12
    pack: Package  # ahec: dose + image for $50


def add_course(provider: Provider, code: str, rows: dict[str, Decimal], **fields: Any) -> Course:
    """A course with distribution rows {subcategory name: credits} in the CT outline."""
    outline = OutlineVersion.objects.get(discipline__code="CT", is_current=True)
    fields.setdefault("ce_credits", sum(rows.values(), D(0)) + D(1))
    fields.setdefault("hours", fields["ce_credits"])
    fields.setdefault("title", code.replace("-", " ").title())
    course = cast(Course, CourseFactory(provider=provider, code=code, **fields))
    for name, credits in rows.items():
        DistributionFactory(
            course=course, subcategory=outline.subcategories.get(name=name), credits=credits
        )
    return course


def build_catalog() -> WebCatalog:
    outline = make_outline()
    ahec = cast(
        Provider,
        ProviderFactory(
            code="ahec", name="Advanced Health Education Center", url="https://ahec.example.org"
        ),
    )
    gage = cast(
        Provider, ProviderFactory(code="gage", name="Gage CE", url="https://gage.example.org")
    )
    dose = add_course(
        ahec,
        "ahec-ct-dose",
        {"Radiation Safety and Dose": D("1.50")},
        title="CT Dose in Practice",
        price=D("24.00"),
        url="https://ahec.example.org/ct-dose",
    )
    image = add_course(
        ahec,
        "ahec-ct-img",
        {"Image Formation": D("3.00")},
        title="CT Image Formation Deep Dive",
        price=D("40.00"),
        url="https://ahec.example.org/ct-img",
    )
    gage_image = add_course(
        gage,
        "gage-img",
        {"Image Formation": D("2.00")},
        title="Reconstruction Kernels Explained",
        price=D("30.00"),
        format="home-study",
    )
    gage_small = add_course(
        gage,
        "gage-img2",
        {"Image Formation": D("1.25")},
        title="Pixels, Voxels and Matrices",
        price=D("15.00"),
    )
    gage_dose = add_course(
        gage,
        "gage-dose",
        {"Radiation Safety and Dose": D("1.00"), "Image Formation": D("0.50")},
        title="Dose Indices for Technologists",
        price=D("12.00"),
    )
    pack = cast(
        Package,
        PackageFactory(provider=ahec, code="ahec-pack", title="AHEC CT pack", price=D("50.00")),
    )
    PackageItem.objects.create(package=pack, course=dose)
    PackageItem.objects.create(package=pack, course=image)
    return WebCatalog(outline, ahec, gage, dose, image, gage_image, gage_small, gage_dose, pack)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Cached page fragments must not leak from one test into another."""
    cache.clear()


@pytest.fixture
def catalog(db: None) -> WebCatalog:
    return build_catalog()


def document(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    doc: dict[str, Any] = {
        "format": "cqr-prescription/1",
        "discipline": "CT",
        "issued_on": (today - timedelta(days=60)).isoformat(),
        "deadline": (today + timedelta(days=400)).isoformat(),
        "required": [
            {"category": "Image Formation", "credits": "3.0"},
            {"category": "Radiation Safety and Dose", "credits": "1.5"},
        ],
    }
    doc.update(overrides)
    return doc


def make_prescription(owner: Any, **overrides: Any) -> Prescription:
    """A prescription saved through the service (eager Celery computes its run)."""
    spec = prescription_spec_from_document(document(**overrides))
    return services.prescription_create(
        owner=owner, spec=spec, title=overrides.pop("title", "CT CQR"), floating_as_of=True
    )


@pytest.fixture
def bob_prescription(bob: Any, catalog: WebCatalog, django_capture_on_commit_callbacks: Any):
    with django_capture_on_commit_callbacks(execute=True):
        return make_prescription(bob)


@pytest.fixture
def other_user(db: None) -> Any:
    return UserFactory(username="mallory")


def best_bundle(prescription: Prescription) -> Bundle:
    return Bundle.objects.get(run=prescription.runs.latest("id"), rank=1)


def choose(client: Any, prescription: Prescription) -> Plan:
    """Choose the prescription's cheapest bundle through the page, as its owner would."""
    response = client.post(
        reverse("prescriptions:choose", args=[prescription.pk, best_bundle(prescription).pk])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("prescriptions:plan", args=[prescription.pk])
    return Plan.objects.get(prescription=prescription)


@pytest.fixture
def webinar_day(catalog: WebCatalog) -> date:
    """The image course becomes a webinar 40 days from today."""
    day = timezone.localdate() + timedelta(days=40)
    Course.objects.filter(pk=catalog.image.pk).update(format="webinar", event_date=day)
    return day


@pytest.fixture
def webinar_plan(
    client: Any,
    bob: Any,
    catalog: WebCatalog,
    webinar_day: date,
    django_capture_on_commit_callbacks: Any,
) -> Prescription:
    """Bob's chosen plan at 1 hour a week: the webinar (4 h) first, then the self-paced
    dose course; the client is signed in as bob."""
    with django_capture_on_commit_callbacks(execute=True):
        prescription = make_prescription(bob, hours_per_week="1")
    client.force_login(bob)
    choose(client, prescription)
    return prescription
