"""Breast Sonography in two dated outline versions, with a rename, a split and a merge,
and courses tagged in either wording (or both)."""

from __future__ import annotations

import copy
from typing import Any

OLD = "2022"
NEW = "2026"
OLD_OUTLINE: dict[str, Any] = {
    "discipline": "BS",
    "name": "Breast Sonography",
    "version": OLD,
    "effective_from": "2022-01-01",
    "effective_until": "2026-08-31",
    "source": "test data",
    "confirmed": False,
    "categories": [
        {"major": "Patient Care", "name": "Patient Care and Safety"},
        {"major": "Procedures", "name": "Breast Procedures"},
        {"major": "Procedures", "name": "Breast Anatomy"},
        {"major": "Image Production", "name": "Image Optimization"},
        {"major": "Image Production", "name": "Artifacts"},
    ],
}
NEW_OUTLINE: dict[str, Any] = {
    "discipline": "BS",
    "name": "Breast Sonography",
    "version": NEW,
    "effective_from": "2026-09-01",
    "source": "test data",
    "confirmed": False,
    "categories": [
        {"major": "Patient Care", "name": "Patient Care, Safety, and Communication"},
        {"major": "Procedures", "name": "Diagnostic Breast Procedures"},
        {"major": "Procedures", "name": "Interventional Breast Procedures"},
        {"major": "Image Production", "name": "Image Quality"},
        {"major": "Elastography", "name": "Breast Elastography"},
    ],
    "mappings": [
        {"from": "Patient Care and Safety", "to": ["Patient Care, Safety, and Communication"]},
        {
            "from": "Breast Procedures",
            "to": ["Diagnostic Breast Procedures", "Interventional Breast Procedures"],
        },
        {"from": "Image Optimization", "to": ["Image Quality"]},
        {"from": "Artifacts", "to": ["Image Quality"]},
    ],
}


def _course(code: str, price: str, ce: str, rows: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "code": code,
        "provider": "sono",
        "title": code.replace("-", " ").title(),
        "format": "online",
        "price": price,
        "ce_credits": ce,
        "distribution": [
            {"discipline": "BS", "category": name, "credits": credits} for name, credits in rows
        ],
    }


CATALOG: dict[str, Any] = {
    "format": "cqr-catalog/1",
    "outlines": [OLD_OUTLINE, NEW_OUTLINE],
    "providers": [{"code": "sono", "name": "Sono CE"}],
    "courses": [
        # Tagged under the old and the new wording of the same (renamed) subcategory.
        _course(
            "bs-both",
            "30.00",
            "2.0",
            [
                ("Patient Care and Safety", "1.5"),
                ("Patient Care, Safety, and Communication", "1.5"),
            ],
        ),
        _course("bs-old-proc", "20.00", "2.0", [("Breast Procedures", "2.0")]),  # split
        _course("bs-new-diag", "25.00", "2.0", [("Diagnostic Breast Procedures", "2.0")]),
        _course(  # merged
            "bs-old-img", "15.00", "2.0", [("Image Optimization", "1.0"), ("Artifacts", "1.0")]
        ),
        _course("bs-new-iq", "18.00", "1.0", [("Image Quality", "1.0")]),
    ],
}


def catalog() -> dict[str, Any]:
    return copy.deepcopy(CATALOG)


def prescription(issued_on: str, required: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    return {
        "format": "cqr-prescription/1",
        "discipline": "BS",
        "issued_on": issued_on,
        "deadline": "2029-12-31",
        "as_of": "2026-11-22",
        "required": [{"category": name, "credits": credits} for name, credits in required],
        **extra,
    }
