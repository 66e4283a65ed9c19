"""Fixtures for the catalog import tests: the shipped outlines and small catalog documents."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from catalog.models import (
    CatalogRevision,
    Course,
    CreditDistribution,
    OutlineVersion,
    Package,
    PackageItem,
    Provider,
    Subcategory,
)
from catalog.services import outlines_load_default

BASE_CATALOG: dict[str, Any] = {
    "format": "cqr-catalog/1",
    "providers": [
        {"code": "ahec", "name": "Advanced Health Education Center", "url": "https://example.org"}
    ],
    "courses": [
        {
            "code": "ahec-ct-dose",
            "provider": "ahec",
            "title": "CT Dose in Practice",
            "format": "online",
            "price": "24.00",
            "ce_credits": "2.0",
            "hours": "2.0",
            "approval_expires": "2028-01-31",
            "event_date": None,
            "url": "https://example.org/c/1",
            "distribution": [
                {"discipline": "CT", "category": "Radiation Safety and Dose", "credits": "1.5"},
                {"discipline": "R", "category": "Radiation Protection", "credits": "0.5"},
            ],
        },
        {
            "code": "ahec-ct-contrast",
            "provider": "ahec",
            "title": "Contrast Media in CT",
            "format": "webinar",
            "price": None,
            "ce_credits": 1.5,
            "event_date": "2027-03-01",
            "distribution": [
                {
                    "discipline": "CT",
                    "category": "Patient Interactions and Management",
                    "credits": 1,
                }
            ],
        },
    ],
    "packages": [
        {
            "code": "ahec-ct-pack",
            "provider": "ahec",
            "title": "CT CQR pack",
            "price": "59.00",
            "courses": ["ahec-ct-dose", "ahec-ct-contrast"],
        }
    ],
}


@pytest.fixture
def outlines(db: None) -> None:
    outlines_load_default()


@pytest.fixture
def catalog() -> dict[str, Any]:
    """A fresh deep copy of the two-course example catalog, free to modify."""
    return copy.deepcopy(BASE_CATALOG)


def snapshot() -> dict[str, Any]:
    """Everything an import may write, to prove that a rejected import wrote nothing."""
    return {
        "providers": sorted(Provider.objects.values_list("code", "name", "url", "updated_at")),
        "courses": sorted(Course.objects.values_list("code", "title", "price", "updated_at")),
        "distribution": sorted(
            CreditDistribution.objects.values_list("course__code", "subcategory_id", "credits")
        ),
        "packages": sorted(Package.objects.values_list("code", "price", "updated_at")),
        "items": sorted(PackageItem.objects.values_list("package__code", "course__code")),
        "outlines": sorted(
            OutlineVersion.objects.values_list("discipline__code", "version", "is_current")
        ),
        "subcategories": Subcategory.objects.count(),
        "revisions": CatalogRevision.objects.count(),
    }


def make_courses(count: int, *, provider: str = "bulk") -> dict[str, Any]:
    """A catalog of `count` courses (1–3 distribution rows each) and a few packages."""
    names = ["Radiation Safety and Dose", "Image Formation", "Neck and Chest"]
    courses = [
        {
            "code": f"{provider}-{i:05d}",
            "provider": provider,
            "title": f"Course {i}",
            "format": "online",
            "price": f"{i % 90 + 10}.50",
            "ce_credits": "3.00",
            "distribution": [
                {"discipline": "CT", "category": name, "credits": "1.00"}
                for name in names[: i % 3 + 1]
            ],
        }
        for i in range(count)
    ]
    packages = [
        {
            "code": f"{provider}-pack-{n}",
            "provider": provider,
            "title": f"Pack {n}",
            "price": "40.00",
            "courses": [c["code"] for c in courses[n * 4 : n * 4 + 4]],
        }
        for n in range(count // 20)
    ]
    return {
        "format": "cqr-catalog/1",
        "providers": [{"code": provider, "name": "Bulk CE"}],
        "courses": courses,
        "packages": packages,
    }
