"""`manage.py recommend` with extra requirements (contract §6, §7.1): structured education,
a CQR prescription that also covers the biennium, and invalid extras."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from catalog.services import catalog_import
from tests.integration.contract.catalog_data import CATALOG, prescription

STRUCTURED = prescription(
    kind="structured-education",
    required=[],
    extra=[
        {"kind": "total_discipline", "credits": "5"},
        {"kind": "major_minimum", "credits": "1"},
    ],
)
CQR_AND_BIENNIUM = prescription(extra=[{"kind": "total_ce", "credits": "8"}])
# The only Patient Care course; the contract catalog has none.
PATIENT_CARE = {
    "format": "cqr-catalog/1",
    "providers": [{"code": "gage", "name": "Gage CE", "url": "https://example.org"}],
    "courses": [
        {
            "code": "gage-pt",
            "provider": "gage",
            "title": "Patient Care Essentials",
            "format": "online",
            "price": "10.00",
            "ce_credits": "1.0",
            "distribution": [
                {
                    "discipline": "CT",
                    "category": "Patient Interactions and Management",
                    "credits": "1.0",
                }
            ],
        }
    ],
}


@pytest.fixture
def imported(db: None) -> None:
    catalog_import(document=json.loads(json.dumps(CATALOG)), source="contract test")


def recommend(tmp_path: Path, document: dict[str, Any], *args: str) -> dict[str, Any]:
    path = tmp_path / "rx.json"
    path.write_text(json.dumps(document))
    out = io.StringIO()
    call_command("recommend", str(path), "--json", *args, stdout=out, stderr=io.StringIO())
    assert out.getvalue().count("\n") == 1
    return dict(json.loads(out.getvalue()))


def test_structured_education_without_a_course_in_a_major_names_that_major(
    imported, tmp_path
) -> None:
    document = recommend(tmp_path, STRUCTURED)
    assert document["status"] == "infeasible"
    assert document["bundles"] == []
    assert document["shortfall"] == [
        {"category": "major:Patient Care", "required": "1.00", "available": "0.00"}
    ]


def test_a_structured_education_plan_touches_every_major_category(imported, tmp_path) -> None:
    catalog_import(document=PATIENT_CARE, source="contract test")
    pdf = tmp_path / "plan.pdf"
    document = recommend(tmp_path, STRUCTURED, "--pdf", str(pdf))
    assert document["status"] == "optimal"
    bundle = document["bundles"][0]
    # The pack gives Safety and Image Production; Patient Care has one course.
    assert bundle["price"] == "60.00"
    assert bundle["purchases"] == [
        {"kind": "package", "code": "ahec-pack", "price": "50.00"},
        {"kind": "course", "code": "gage-pt", "price": "10.00"},
    ]
    assert bundle["credits"] == {
        "total_discipline": "5.50",
        "major:Patient Care": "1.00",
        "major:Safety": "1.50",
        "major:Image Production": "3.00",
    }
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = re.sub(r"\s+", " ", text)
    assert "CE plan — Structured education" in text
    assert "5.50 of 5.00 credits in CT" in text
    assert "At least 1.00 in each major category: Patient Care 1.00 ✓" in text


def test_completed_courses_count_toward_structured_education(imported, tmp_path) -> None:
    catalog_import(document=PATIENT_CARE, source="contract test")
    document = recommend(tmp_path, {**STRUCTURED, "completed": ["gage-pt", "ahec-ct-dose"]})
    bundle = document["bundles"][0]
    # 2.50 credits done; 2.50 more with Image Production: the webinar (2.00) is not
    # enough, the refresher (1.25) neither, the image course alone (3.00) is.
    assert [p["code"] for p in bundle["purchases"]] == ["ahec-ct-img"]
    assert bundle["credits"]["total_discipline"] == "3.00"
    assert bundle["credits"]["major:Patient Care"] == "0.00"


def test_a_cqr_prescription_that_also_covers_the_biennium_buys_each_course_once(
    imported, tmp_path
) -> None:
    document = recommend(tmp_path, CQR_AND_BIENNIUM, "--alternatives", "2")
    assert document["status"] == "optimal"
    bundle = document["bundles"][0]
    # The pack (5.00 CE) covers the prescription; 3.00 CE more take both other courses.
    assert bundle["price"] == "95.00"
    assert sorted(bundle["courses"]) == ["ahec-ct-dose", "ahec-ct-img", "gage-img", "gage-img2"]
    assert [p["code"] for p in bundle["purchases"]] == ["ahec-pack", "gage-img", "gage-img2"]
    assert bundle["credits"]["total_ce"] == bundle["ce_credits"] == "8.25"
    assert bundle["credits"]["Image Formation"] == "6.25"
    alone = recommend(tmp_path, prescription())["bundles"][0]
    assert alone["price"] == "50.00"  # the same prescription without the biennium


def test_an_earlier_biennium_end_is_the_plans_deadline(imported, tmp_path) -> None:
    # The webinar (2.00 CE) takes place on 2027-02-01, after the biennium ends.
    document = recommend(tmp_path, {**CQR_AND_BIENNIUM, "biennium_ends_on": "2027-01-15"})
    assert document["status"] == "infeasible"
    assert document["shortfall"] == [
        {"category": "total_ce", "required": "8.00", "available": "6.25"}
    ]
    assert {"reason": "deadline", "courses": 1} in document["reasons"]


def test_invalid_extras_fail_with_messages_naming_each_field(imported, tmp_path) -> None:
    path = tmp_path / "rx.json"
    path.write_text(
        json.dumps(
            prescription(
                extra=[{"kind": "total_hours", "credits": 1}, {"kind": "total_ce", "credits": -2}]
            )
        )
    )
    with pytest.raises(CommandError) as caught:
        call_command("recommend", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    message = str(caught.value)
    assert 'extra[0].kind: unknown kind "total_hours"' in message
    assert "extra[1].credits: must be a positive number" in message
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("recommend", str(path), "--json", stdout=out, stderr=io.StringIO())
    document = json.loads(out.getvalue())
    assert document["status"] == "error"
    assert 'extra[0].kind: unknown kind "total_hours"' in document["message"]
    assert "extra[1].credits: must be a positive number" in document["message"]
