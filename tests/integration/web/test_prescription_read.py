"""Paste or upload a prescription: the confirmation screen, corrections, saving with lines
not in our outline yet, the bundles page, and the staff queue that maps such names."""

from __future__ import annotations

import json
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from catalog.models import Subcategory, SubcategoryAlias
from matching.models import MatchingRun
from prescriptions.models import Prescription, UnmatchedLine
from prescriptions.text_forms import NEW, SKIP
from tests.unit.parsing.corpus import CORPUS

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ISSUED = TODAY - timedelta(days=30)
DEADLINE = TODAY + timedelta(days=500)
TEXT = f"""ARRT Continuing Qualifications Requirements
Discipline: Computed Tomography
ARRT ID 123456
Issued: {ISSUED:%m/%d/%Y}
Deadline: {DEADLINE:%B} {DEADLINE.day}, {DEADLINE.year}
Safety - Radiation Safety & Dose ..... 1.50 credits
Image Formatoin 3.00
Cardiac Doppler 1.00
Procedures 2.00
Page 1 of 1
"""


def read(client: Any, **data: Any) -> Any:
    return client.post(reverse("prescriptions:read"), data)


def confirm_data(**overrides: Any) -> dict[str, Any]:
    """What the confirmation form posts back for TEXT when the user changes nothing."""
    data: dict[str, Any] = {
        "discipline": "CT",
        "title": "",
        "issued_on": ISSUED.isoformat(),
        "deadline": DEADLINE.isoformat(),
        "lines-TOTAL_FORMS": "4",
        "lines-INITIAL_FORMS": "4",
    }
    lines = [
        (
            "Safety - Radiation Safety & Dose ..... 1.50 credits",
            "Radiation Safety and Dose",
            "Safety – Radiation Safety & Dose",
            "1.50",
        ),
        ("Image Formatoin 3.00", "Image Formation", "Image Formatoin", "3.00"),
        ("Cardiac Doppler 1.00", NEW, "Cardiac Doppler", "1.00"),
        ("Procedures 2.00", NEW, "Procedures", "2.00"),
    ]  # fmt: skip
    for i, (line, choice, name, credits) in enumerate(lines):
        data.update(
            {
                f"lines-{i}-line": line,
                f"lines-{i}-choice": choice,
                f"lines-{i}-name": name,
                f"lines-{i}-credits": credits,
            }
        )
    data.update(overrides)
    return data


class TestReading:
    def test_the_page_has_a_text_box_a_file_field_and_a_discipline(self, client, bob, catalog):
        client.force_login(bob)
        html = client.get(reverse("prescriptions:read")).content.decode()
        assert '<label for="id_text">Paste your prescription' in html
        assert '<label for="id_file">Or upload' in html
        assert 'accept=".pdf,.txt' in html

    def test_pasted_text_shows_every_line_read_and_saves_nothing(self, client, bob, catalog):
        client.force_login(bob)
        response = read(client, text=TEXT)
        assert response.status_code == 200
        html = unescape(response.content.decode())
        assert "Check what we read" in html
        assert "4 lines with credits, 2 matched" in html
        assert "We read: <strong>Radiation Safety and Dose</strong>" in html
        assert "Exact match" in html
        assert "Very likely (a letter or two differ)" in html  # "Formatoin"
        assert "Not matched: no subcategory close enough" in html  # Cardiac Doppler
        assert "Not matched: names only a major category" in html  # Procedures
        assert f'value="{ISSUED.isoformat()}"' in html and f'value="{DEADLINE.isoformat()}"' in html
        assert "<legend>Line 3: <q>Cardiac Doppler 1.00</q></legend>" in html
        assert Prescription.objects.count() == 0

    def test_a_closest_subcategory_is_named_only_when_one_is_close(self, client, bob, catalog):
        client.force_login(bob)
        html = unescape(read(client, text=TEXT).content.decode())
        doppler = html.split('id="line-3"')[1].split("</fieldset>")[0]
        assert "Not matched: no subcategory close enough. It is kept as written" in doppler
        assert "closest subcategory" not in doppler
        assert "Radiation Safety" not in doppler.split("<select")[0]
        procedures = html.split('id="line-4"')[1].split("</fieldset>")[0]
        assert "names only a major category, and no subcategory is close." in procedures
        assert "closest subcategory" not in procedures
        # An alias one letter from a subcategory's name makes "Image Formatio" close to two.
        target = Subcategory.objects.get(outline=catalog.outline, name="Neck and Chest")
        SubcategoryAlias.objects.create(
            outline=catalog.outline, alias="Image Formations", subcategory=target
        )
        html = unescape(read(client, text="Discipline: CT\nImage Formatio 1.00\n").content.decode())
        assert (
            "Not matched: close to more than one subcategory. The closest subcategory is "
            "“Image Formation”. Choose the subcategory it means, or keep it as written" in html
        )

    def test_a_pdf_upload_is_read(self, client, bob, catalog):
        client.force_login(bob)
        pdf = (CORPUS / "31_ct_table.pdf").read_bytes()
        upload = SimpleUploadedFile("prescription.pdf", pdf, content_type="application/pdf")
        html = unescape(read(client, file=upload).content.decode())
        assert "4 lines with credits, 4 matched" in html
        assert "We read: <strong>Neck and Chest</strong>" in html

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("rx.docx", b"PK\x03\x04", "rx.docx: upload a .pdf or .txt file."),
            ("rx.pdf", b"not a pdf", "rx.pdf: not a PDF file"),
            ("rx.txt", b"\xff\xfe\xfa", "rx.txt: not UTF-8 text"),
            ("rx.txt", b"Discipline: CT\nnothing here\n", "no prescription line found"),
        ],
    )
    def test_bad_files_are_refused_on_the_file_field(
        self, client, bob, catalog, name, content, message
    ):
        client.force_login(bob)
        response = read(client, file=SimpleUploadedFile(name, content))
        assert response.status_code == 400
        html = unescape(response.content.decode())
        assert message in html and 'id="id_file_error"' in html

    def test_a_too_large_file_is_refused(self, client, bob, catalog, settings):
        settings.PRESCRIPTION_UPLOAD_MAX_BYTES = 100
        client.force_login(bob)
        response = read(client, file=SimpleUploadedFile("rx.txt", TEXT.encode()))
        assert response.status_code == 400
        assert "a prescription file may be at most 100 bytes" in unescape(response.content.decode())

    def test_text_without_a_discipline_asks_for_one(self, client, bob, catalog):
        client.force_login(bob)
        response = read(client, text="Image Formation 2.00\n")
        assert response.status_code == 400
        html = unescape(response.content.decode())
        assert "choose the discipline below" in html and 'id="id_discipline_error"' in html
        chosen = read(client, text="Image Formation 2.00\n", discipline="CT")
        assert "1 line with credits, 1 matched" in unescape(chosen.content.decode())

    def test_a_discipline_code_in_lower_case_means_that_discipline(self, client, bob, catalog):
        client.force_login(bob)
        response = read(client, text="Image Formation 2.00\n", discipline="ct")
        assert response.status_code == 200
        html = unescape(response.content.decode())
        assert "Computed Tomography (CT): 1 line with credits, 1 matched" in html
        assert 'name="discipline" value="CT"' in html
        refused = read(client, text="", discipline="ct")  # shown again chosen, as CT
        assert refused.status_code == 400
        assert '<option value="CT" selected>' in refused.content.decode()


class TestConfirming:
    def test_a_corrected_line_and_a_kept_line_are_saved(
        self, client, bob, catalog, django_capture_on_commit_callbacks
    ):
        client.force_login(bob)
        data = confirm_data(**{"lines-3-choice": "Abdomen and Pelvis", "title": "From ARRT"})
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("prescriptions:read_confirm"), data)
        prescription = Prescription.objects.get(owner=bob)
        assert response.status_code == 302
        assert response.url == reverse("prescriptions:detail", args=[prescription.pk])
        assert prescription.title == "From ARRT"
        assert (prescription.issued_on, prescription.deadline) == (ISSUED, DEADLINE)
        required = {r.subcategory.name: str(r.credits) for r in prescription.required.all()}
        assert required == {
            "Radiation Safety and Dose": "1.50",
            "Image Formation": "3.00",
            "Abdomen and Pelvis": "2.00",
        }
        kept = list(prescription.unmatched_lines.values_list("name", "credits", "line"))
        assert [(n, str(c), line) for n, c, line in kept] == [
            ("Cardiac Doppler", "1.00", "Cardiac Doppler 1.00")
        ]
        page = unescape(client.get(response.url).content.decode())
        assert "Not covered yet:</strong> “Cardiac Doppler” (1.00 credits)" in page

    def test_a_skipped_line_is_left_out(self, client, bob, catalog):
        client.force_login(bob)
        data = confirm_data(**{"lines-2-choice": SKIP, "lines-3-choice": SKIP})
        client.post(reverse("prescriptions:read_confirm"), data)
        prescription = Prescription.objects.get(owner=bob)
        assert prescription.required.count() == 2
        assert not prescription.unmatched_lines.exists()

    def test_errors_are_summarised_and_nothing_is_saved(self, client, bob, catalog):
        client.force_login(bob)
        data = confirm_data(
            deadline=(ISSUED - timedelta(days=1)).isoformat(),
            **{"lines-2-name": "", "lines-1-credits": "-1"},
        )
        response = client.post(reverse("prescriptions:read_confirm"), data)
        assert response.status_code == 400
        html = unescape(response.content.decode())
        assert 'class="error-summary"' in html
        assert "The deadline must be on or after the issue date." in html
        assert 'href="#id_lines-2-name">Line 3, Subcategory as written on the prescription' in html
        assert 'href="#id_lines-1-credits">Line 2, Credits' in html
        assert Prescription.objects.count() == 0

    def test_the_same_subcategory_twice_is_reported_on_the_line(self, client, bob, catalog):
        client.force_login(bob)
        data = confirm_data(**{"lines-3-choice": "Image Formation"})
        response = client.post(reverse("prescriptions:read_confirm"), data)
        assert response.status_code == 400
        html = unescape(response.content.decode())
        assert 'href="#id_lines-3-choice">Line 4:' in html
        assert Prescription.objects.count() == 0

    def test_only_lines_not_in_the_outline_cannot_be_planned(self, client, bob, catalog):
        client.force_login(bob)
        data = confirm_data(**{"lines-0-choice": NEW, "lines-1-choice": SKIP})
        response = client.post(reverse("prescriptions:read_confirm"), data)
        assert response.status_code == 400
        assert "choose a subcategory for at least one line" in unescape(response.content.decode())


def saved_with_unmatched(client: Any, user: Any, name: str = "Cardiac Doppler") -> Prescription:
    client.force_login(user)
    client.post(reverse("prescriptions:read_confirm"), confirm_data(**{"lines-2-name": name}))
    return Prescription.objects.get(owner=user)


class TestStaffQueue:
    def test_names_are_counted_per_prescription_and_mapping_re_plans_them(
        self, client, bob, other_user, catalog, django_capture_on_commit_callbacks
    ):
        first = saved_with_unmatched(client, bob)
        second = saved_with_unmatched(client, other_user, name="cardiac  DOPPLER")
        admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
        client.force_login(admin)
        url = reverse("admin:prescriptions_unmatchedline_changelist")
        html = unescape(client.get(url).content.decode())
        assert '<th scope="row">Cardiac Doppler</th>\n        <td>2</td>' in html
        assert '<th scope="row">Procedures</th>\n        <td>2</td>' in html
        target = catalog.outline.subcategories.get(name="Neck and Chest")
        runs_before = MatchingRun.objects.filter(prescription__in=[first, second]).count()
        prefix = next(p for p in ("n0", "n1") if f'name="{p}-name" value="Cardiac Doppler"' in html)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                url,
                {
                    "prefix": prefix,
                    f"{prefix}-name": "Cardiac Doppler",
                    f"{prefix}-discipline": "CT",
                    f"{prefix}-subcategory": str(target.pk),
                },
                follow=True,
            )
        assert "now stands for Neck and Chest (CT); 2 prescription(s) re-planned" in unescape(
            response.content.decode()
        )
        assert SubcategoryAlias.objects.filter(alias="Cardiac Doppler", subcategory=target).exists()
        for prescription in (first, second):
            assert prescription.required.get(subcategory=target).credits == 1
        assert (
            MatchingRun.objects.filter(prescription__in=[first, second]).count() == runs_before + 2
        )
        assert not UnmatchedLine.objects.filter(
            name__iexact="cardiac doppler", resolved_to=None
        ).exists()
        client.force_login(bob)
        page = unescape(
            client.get(reverse("prescriptions:detail", args=[first.pk])).content.decode()
        )
        assert "“Cardiac Doppler” (1.00 credits) is now covered" in page
        assert "<strong>Neck and Chest</strong>" in page

    def test_technologists_and_provider_staff_cannot_open_the_queue(
        self, client, bob, alice, catalog
    ):
        url = reverse("admin:prescriptions_unmatchedline_changelist")
        for user in (bob, alice):
            client.force_login(user)
            assert client.get(url).status_code in (302, 403)


class TestDocumentsKeepUnmatchedLines:
    def test_json_import_keeps_unmatched_rows(self, client, bob, catalog):
        client.force_login(bob)
        document = {
            "format": "cqr-prescription/1",
            "discipline": "CT",
            "issued_on": ISSUED.isoformat(),
            "deadline": DEADLINE.isoformat(),
            "required": [{"category": "Image Formation", "credits": "2"}],
            "unmatched": [
                {"line": "Cardiac Doppler ..... 1.00", "credits": "1.00"},
                {"category": "Hybrid Imaging", "credits": 0.5},
            ],
        }
        response = client.post(reverse("prescriptions:import"), {"text": json.dumps(document)})
        assert response.status_code == 302
        names = list(UnmatchedLine.objects.values_list("name", flat=True))
        assert names == ["Cardiac Doppler", "Hybrid Imaging"]

    def test_bad_unmatched_rows_are_named(self, client, bob, catalog):
        client.force_login(bob)
        document = {
            "format": "cqr-prescription/1",
            "discipline": "CT",
            "issued_on": ISSUED.isoformat(),
            "deadline": DEADLINE.isoformat(),
            "required": [{"category": "Image Formation", "credits": "2"}],
            "unmatched": [{"category": "", "credits": "1"}, {"category": "X", "credits": "-1"}],
        }
        response = client.post(reverse("prescriptions:import"), {"text": json.dumps(document)})
        html = unescape(response.content.decode())
        assert (
            "Lines not in the outline, line 1, subcategory: must name the subcategory as written"
            in html
        )
        assert "Lines not in the outline, line 2, credits: must be a positive number" in html
        assert Prescription.objects.count() == 0


class TestTheEntryFormKeepsLinesNotInTheList:
    def test_a_typed_subcategory_is_kept_and_shown_again_on_edit(self, client, bob, catalog):
        from tests.integration.web.test_prescription_entry import form_data

        client.force_login(bob)
        html = unescape(
            client.get(reverse("prescriptions:new") + "?discipline=CT").content.decode()
        )
        assert "Not in the list? Not in our outline yet" in html
        assert '<label for="id_other_name_1">Subcategory 1 as written on your prescription' in html
        data = form_data(other_name_1="Cardiac Doppler", other_credits_1="0.75")
        response = client.post(reverse("prescriptions:new"), data)
        assert response.status_code == 302, unescape(response.content.decode())[:3000]
        prescription = Prescription.objects.get(owner=bob)
        assert [(line.name, str(line.credits)) for line in prescription.unmatched_lines.all()] == [
            ("Cardiac Doppler", "0.75")
        ]
        edit = reverse("prescriptions:edit", args=[prescription.pk])
        html = unescape(client.get(edit).content.decode())
        assert 'name="other_name_1" value="Cardiac Doppler"' in html
        assert 'name="other_name_2"' in html  # and an empty row for another
        data = form_data(other_name_1="Cardiac Doppler", other_credits_1="1.00", other_name_2="")
        assert client.post(edit, data).status_code == 302
        assert [str(line.credits) for line in prescription.unmatched_lines.all()] == ["1.00"]

    def test_a_name_needs_credits_and_credits_need_a_name(self, client, bob, catalog):
        from tests.integration.web.test_prescription_entry import form_data

        client.force_login(bob)
        data = form_data(other_name_1="Cardiac Doppler", other_credits_2="1")
        response = client.post(reverse("prescriptions:new"), data)
        assert response.status_code == 400
        html = unescape(response.content.decode())
        assert "Enter the credits your prescription gives it." in html
        assert "Type the subcategory as your prescription writes it." in html
        assert Prescription.objects.count() == 0
