"""What to report to ARRT: completed activities as CSV (formula-escaped) and in the PDF."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.spreadsheet import spreadsheet_safe
from plans.selectors.plan_document import plan_document_for_prescription
from plans.services import plan_choose, plan_item_mark_done
from prescriptions.spec_rows import prescription_spec_from_model
from tests.integration.web.test_plan import best_bundle

pytestmark = pytest.mark.django_db


def rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_csv_lists_completed_activities_oldest_first_then_done_and_left(
    client, bob, bob_prescription, catalog, other_user
):
    # A sponsor's title that a spreadsheet would run as a formula.
    catalog.image.title = '=HYPERLINK("http://evil.example","CT")'
    catalog.image.arrt_activity_id = "ASRT-123"
    catalog.image.save()
    plan = plan_choose(prescription=bob_prescription, bundle=best_bundle(bob_prescription))
    today = timezone.localdate()
    image = plan.items.get(course=catalog.image)
    dose = plan.items.get(course=catalog.dose)
    plan_item_mark_done(
        item=image,
        done_on=today - timedelta(days=3),
        certificate=SimpleUploadedFile("c.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    plan_item_mark_done(item=dose, done_on=today - timedelta(days=10))
    client.force_login(bob)
    url = reverse("prescriptions:report_csv", args=[bob_prescription.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    table = rows(response)
    assert table[0] == [
        "Activity title",
        "Sponsor",
        "ARRT activity ID",
        "Date completed",
        "CE credits",
        "Credits: Image Formation",
        "Credits: Radiation Safety and Dose",
        "Certificate",
    ]
    assert table[1] == [
        "CT Dose in Practice",
        "Advanced Health Education Center",
        "",
        (today - timedelta(days=10)).isoformat(),
        "2.50",
        "0.00",
        "1.50",
        "no",
    ]
    assert table[2] == [
        '\'=HYPERLINK("http://evil.example","CT")',  # escaped: shown as text
        "Advanced Health Education Center",
        "ASRT-123",
        (today - timedelta(days=3)).isoformat(),
        "4.00",
        "3.00",
        "0.00",
        "yes",
    ]
    assert table[3] == []
    assert table[4] == ["Obligation", "Requirement", "Required", "Done", "Left"]
    assert table[5:] == [
        ["CQR prescription", "Image Formation", "3.00", "3.00", "0.00"],
        ["CQR prescription", "Radiation Safety and Dose", "1.50", "1.50", "0.00"],
    ]
    client.force_login(other_user)
    assert client.get(url).status_code == 404


def test_done_and_left_with_one_course_done_and_the_pdf_section(
    client, bob, bob_prescription, catalog
):
    plan = plan_choose(prescription=bob_prescription, bundle=best_bundle(bob_prescription))
    plan_item_mark_done(item=plan.items.get(course=catalog.dose), done_on=timezone.localdate())
    client.force_login(bob)
    table = rows(client.get(reverse("prescriptions:report_csv", args=[bob_prescription.pk])))
    assert [r[0] for r in table[1:2]] == ["CT Dose in Practice"]
    assert table[-2:] == [
        ["CQR prescription", "Image Formation", "3.00", "0.00", "3.00"],
        ["CQR prescription", "Radiation Safety and Dose", "1.50", "1.50", "0.00"],
    ]
    document = plan_document_for_prescription(
        prescription=bob_prescription,
        spec=prescription_spec_from_model(bob_prescription),
        technologist="Bob",
    )
    html = render_to_string("pdf/plan.html", {"doc": document, "paper": "letter"})
    section = html.split('id="arrt-report"')[1]
    assert "CT Dose in Practice" in section and "CT Image Formation Deep Dive" not in section
    assert '<td>Image Formation</td><td class="num">3.00</td><td class="num">0.00</td>' in (section)


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("CT Dose", "CT Dose"),
        ("", ""),
    ],
)
def test_cells_that_start_like_a_formula_get_an_apostrophe(cell, shown):
    assert spreadsheet_safe(cell) == shown
