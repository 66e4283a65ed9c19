"""The small CT catalog the contract tests import (cqr-catalog/1) and prescriptions for it."""

from __future__ import annotations

from typing import Any

CATALOG: dict[str, Any] = {
    "format": "cqr-catalog/1",
    "outlines": [
        {
            "discipline": "CT",
            "name": "Computed Tomography",
            "version": "2022",
            "categories": [
                {"major": "Patient Care", "name": "Patient Interactions and Management"},
                {"major": "Safety", "name": "Radiation Safety and Dose"},
                {"major": "Image Production", "name": "Image Formation"},
            ],
        }
    ],
    "providers": [
        {"code": "ahec", "name": "Advanced Health Education Center", "url": "https://example.org"},
        {"code": "gage", "name": "Gage CE", "url": "https://example.org"},
    ],
    "courses": [
        {
            "code": "ahec-ct-dose",
            "provider": "ahec",
            "title": "CT Dose in Practice",
            "format": "online",
            "price": "24.00",
            "ce_credits": "2.0",
            "distribution": [
                {"discipline": "CT", "category": "Radiation Safety and Dose", "credits": "1.5"}
            ],
        },
        {
            "code": "ahec-ct-img",
            "provider": "ahec",
            "title": "CT Image Formation",
            "format": "online",
            "price": 40,
            "ce_credits": 3,
            "distribution": [{"discipline": "CT", "category": "Image Formation", "credits": 3}],
        },
        {
            "code": "gage-img",
            "provider": "gage",
            "title": "Image Formation Webinar",
            "format": "webinar",
            "price": "30.00",
            "ce_credits": "2.0",
            "event_date": "2027-02-01",
            "distribution": [{"discipline": "CT", "category": "Image Formation", "credits": "2.0"}],
        },
        {
            "code": "gage-img2",
            "provider": "gage",
            "title": "Image Formation Refresher",
            "format": "online",
            "price": "15.00",
            "ce_credits": "1.25",
            "approval_expires": "2027-06-30",
            "distribution": [
                {"discipline": "CT", "category": "Image Formation", "credits": "1.25"}
            ],
        },
    ],
    "packages": [
        {
            "code": "ahec-pack",
            "provider": "ahec",
            "title": "CT CQR pack",
            "price": "50.00",
            "courses": ["ahec-ct-dose", "ahec-ct-img"],
        }
    ],
}


def prescription(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": "cqr-prescription/1",
        "discipline": "CT",
        "issued_on": "2026-09-01",
        "deadline": "2027-12-31",
        "as_of": "2026-11-22",
        "required": [
            {"category": "Image Formation", "credits": "3.0"},
            {"category": "Radiation Safety and Dose", "credits": "1.5"},
        ],
    }
    document.update(overrides)
    return document


INFEASIBLE = prescription(
    deadline="2027-01-15", required=[{"category": "Image Formation", "credits": "10"}]
)
