"""core.pdf: the one render helper and the printable recommendation of `recommend --pdf`."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.pdf import render_pdf
from matching.services.problem import recommend
from plans.selectors.plan_document import PlanDocument, recommendation_pdf
from prescriptions.documents import prescription_spec_from_document
from tests.integration.web.conftest import add_course, document

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", " ", out.stdout)


def pages(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    match = re.search(r"Pages:\s+(\d+)", info.stdout)
    assert match is not None
    return int(match.group(1))


def test_render_pdf_prints_a_message_when_nothing_was_computed(catalog, tmp_path):
    spec = prescription_spec_from_document(document())
    doc = PlanDocument(
        spec=spec, technologist="", title="CT CQR", status="error", message="Not computed yet."
    )
    pdf = render_pdf("pdf/plan.html", {"doc": doc, "paper": "a4"})
    assert pdf.startswith(b"%PDF")
    assert "Not computed yet." in text_of(pdf, tmp_path)


def test_the_recommendation_pdf_prints_bundle_one_with_totals(catalog, tmp_path):
    spec = prescription_spec_from_document(document(hours_per_week="3"))
    result = recommend(spec)
    pdf = recommendation_pdf(spec=spec, document=result.document, owner_name="Dana Tech")
    text = text_of(pdf, tmp_path)
    for expected in [
        "CE plan — CQR prescription",
        "Dana Tech",
        "Computed Tomography (CT)",
        "CT Dose in Practice",
        "Advanced Health Education Center",
        "Online",
        "https://ahec.example.org/ct-img",
        "Image Formation: 3.00",
        "Totals against the requirement",
        "4.50 count toward this prescription",
        "also count toward your biennial CE",
        "Schedule",
        f"{spec.deadline:%b} {spec.deadline.day}, {spec.deadline.year}",
        "$50.00",
    ]:
        assert expected in text, expected


def test_an_infeasible_recommendation_prints_a_one_page_shortfall_explanation(catalog, tmp_path):
    today = timezone.localdate()
    add_course(
        catalog.gage,
        "gage-neck-webinar",
        {"Neck and Chest": Decimal("2.00")},
        format="webinar",
        event_date=today + timedelta(days=900),
    )
    spec = prescription_spec_from_document(
        document(required=[{"category": "Neck and Chest", "credits": "1.0"}])
    )
    result = recommend(spec)
    assert result.document["status"] == "infeasible"
    pdf = recommendation_pdf(spec=spec, document=result.document)
    text = text_of(pdf, tmp_path)
    assert "Why no CE plan is possible" in text
    assert "Neck and Chest needs 1.00 credits but the eligible courses give at most 0.00." in text
    assert "1 course was left out because it takes place after your deadline" in text
    assert pages(pdf, tmp_path) == 1


def test_the_recommend_command_writes_the_same_pdf(catalog, tmp_path, capsys):
    source = tmp_path / "rx.json"
    source.write_text(json.dumps(document()))
    out = tmp_path / "plan.pdf"
    call_command("recommend", str(source), "--json", "--pdf", str(out))
    assert json.loads(capsys.readouterr().out)["status"] == "optimal"
    assert "CT Image Formation Deep Dive" in text_of(out.read_bytes(), tmp_path)
