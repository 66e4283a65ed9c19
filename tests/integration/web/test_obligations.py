"""Planning every CE obligation from the web form (contract §6): a CQR prescription,
structured education, or a CQR prescription that also counts toward the biennium."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Subcategory
from matching.models import MatchingRun
from plans import services
from prescriptions.models import Prescription
from tests.integration.web.conftest import WebCatalog, add_course

pytestmark = pytest.mark.django_db
D = Decimal


def sub_id(name: str) -> int:
    return Subcategory.objects.get(name=name, outline__is_current=True).pk


def text(response: Any) -> str:
    html = unescape(response.content.decode())
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


def cqr_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "obligation": "cqr",
        "discipline": "CT",
        "title": "CT plan",
        "issued_on": days(-30).isoformat(),
        "deadline": days(400).isoformat(),
        "as_of": "",
        "hours_per_week": "",
        "formats": ["online", "home-study", "webinar", "live"],
        f"credits_{sub_id('Image Formation')}": "3",
        f"credits_{sub_id('Radiation Safety and Dose')}": "1.5",
    }
    data.update(overrides)
    return data


def biennium_data(**overrides: Any) -> dict[str, Any]:
    fields = {
        "obligation": "cqr-biennium",
        "biennium_credits": "8",
        "biennium_ends_on": days(500).isoformat(),
    }
    return cqr_data(**{**fields, **overrides})


def structured_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "obligation": "structured-education",
        "discipline": "CT",
        "title": "CT structured education",
        "issued_on": days(0).isoformat(),
        "deadline": days(300).isoformat(),
        "as_of": "",
        "formats": ["online", "home-study", "webinar", "live"],
        "structured_total": "16",
        "structured_major_minimum": "1",
    }
    data.update(overrides)
    return data


def post(client: Any, data: dict[str, Any], capture: Any) -> Any:
    with capture(execute=True):
        return client.post(reverse("prescriptions:new"), data)


@pytest.fixture
def every_major(catalog: WebCatalog) -> WebCatalog:
    """Courses in the two CT major categories the web catalog lacks (Patient Care,
    Procedures), so that 16 credits with 1 in each major category can be planned."""
    add_course(
        catalog.gage,
        "gage-pt",
        {"Patient Interactions and Management": D("1.50")},
        title="Patient Care in the CT Suite",
        price=D("20.00"),
    )
    add_course(
        catalog.ahec, "ahec-neck", {"Neck and Chest": D("2.00")}, title="Chest CT", price=D("25")
    )
    add_course(
        catalog.gage,
        "gage-abdomen",
        {"Abdomen and Pelvis": D("6.00")},
        title="Abdominal CT Protocols",
        price=D("45.00"),
    )
    return catalog


class TestTheThreeEntryChoices:
    def test_the_form_offers_the_three_obligations_with_cqr_chosen(self, client, bob, catalog):
        client.force_login(bob)
        html = client.get(reverse("prescriptions:new") + "?discipline=CT").content.decode()
        for value, label in [
            ("cqr", "CQR prescription"),
            ("structured-education", "Structured education"),
            ("cqr-biennium", "CQR + count toward my biennium"),
        ]:
            assert f'value="{value}"' in html
            assert f">{label}</label>" in html
        assert re.search(r'value="cqr" id="id_obligation_0" checked', html)
        assert 'id="id_obligation_group"' in html and "<legend>What are you planning?" in html
        assert "biennium_credits" not in html and "structured_total" not in html

    def test_structured_education_is_pre_filled_and_asks_for_the_application_date(
        self, client, bob, catalog
    ):
        client.force_login(bob)
        url = reverse("prescriptions:new") + "?discipline=CT&obligation=structured-education"
        response = client.get(url)
        html = response.content.decode()
        assert re.search(r'name="structured_total" value="16"', html)
        assert re.search(r'name="structured_major_minimum" value="1"', html)
        assert re.search(r'value="structured-education" id="id_obligation_1" checked', html)
        page = text(response)
        assert "Planned application date" in page and "Count courses from" in page
        for major in ("Patient Care", "Safety", "Image Production", "Procedures"):
            assert f"<li>{major}</li>" in html
        assert "credits_" not in html  # no subcategory credits to fill in

    def test_the_htmx_swap_keeps_the_dates_already_typed(self, client, bob, catalog):
        client.force_login(bob)
        response = client.get(
            reverse("prescriptions:discipline_fields"),
            {
                "discipline": "CT",
                "obligation": "cqr-biennium",
                "issued_on": "2026-09-01",
                "deadline": "2028-08-31",
            },
            HTTP_HX_REQUEST="true",
        )
        html = response.content.decode()
        assert '<div id="date-fields" hx-swap-oob="innerHTML">' in html
        assert 'value="2026-09-01"' in html and 'value="2028-08-31"' in html
        assert 'name="biennium_credits"' in html and 'name="biennium_ends_on"' in html
        assert "Radiation Safety and Dose" in html

    def test_a_cqr_prescription_stays_a_cqr_prescription_without_extras(
        self, client, bob, catalog, django_capture_on_commit_callbacks
    ):
        client.force_login(bob)
        response = post(client, cqr_data(), django_capture_on_commit_callbacks)
        assert response.status_code == 302
        prescription = Prescription.objects.get(owner=bob)
        assert prescription.kind == "cqr"
        assert not prescription.extras.exists()
        assert prescription.biennium_ends_on is None


class TestStructuredEducation:
    def test_saving_plans_16_credits_with_every_major_category(
        self, client, bob, every_major, django_capture_on_commit_callbacks
    ):
        client.force_login(bob)
        response = post(client, structured_data(), django_capture_on_commit_callbacks)
        assert response.status_code == 302, text(response)
        prescription = Prescription.objects.get(owner=bob)
        assert prescription.kind == "structured-education"
        assert not prescription.required.exists()
        assert {(e.kind, e.credits) for e in prescription.extras.all()} == {
            ("total_discipline", D("16.00")),
            ("major_minimum", D("1.00")),
        }
        run = MatchingRun.objects.get(prescription=prescription)
        assert run.outcome == "optimal"
        credits = run.result["bundles"][0]["credits"]
        assert D(credits["total_discipline"]) >= 16
        majors = {k: D(v) for k, v in credits.items() if k.startswith("major:")}
        assert set(majors) == {
            "major:Patient Care",
            "major:Safety",
            "major:Image Production",
            "major:Procedures",
        }
        assert all(value >= 1 for value in majors.values())

        page = text(client.get(reverse("prescriptions:detail", args=[prescription.pk])))
        assert "Structured education · counting from" in page
        assert re.search(r"Structured education \d+\.\d\d of 16\.00 credits in CT ✓", page)
        assert "At least 1.00 in each major category:" in page
        assert re.search(r"Patient Care: \d+\.\d\d ✓", page)
        assert "Credits in CT" in page and "CE credits" in page

    def test_the_edit_page_shows_the_structured_requirement_again(
        self, client, bob, every_major, django_capture_on_commit_callbacks
    ):
        client.force_login(bob)
        post(client, structured_data(structured_total="12"), django_capture_on_commit_callbacks)
        prescription = Prescription.objects.get(owner=bob)
        html = client.get(reverse("prescriptions:edit", args=[prescription.pk])).content.decode()
        assert re.search(r'value="structured-education" id="id_obligation_1" checked', html)
        assert re.search(r'name="structured_total" value="12.00"', html)
        document = json.loads(
            client.get(reverse("prescriptions:json", args=[prescription.pk])).content
        )
        assert document["kind"] == "structured-education"
        assert document["required"] == []
        assert document["extra"] == [
            {"kind": "total_discipline", "credits": "12.00"},
            {"kind": "major_minimum", "credits": "1.00"},
        ]

    def test_the_structured_numbers_are_required(self, client, bob, catalog):
        client.force_login(bob)
        response = client.post(reverse("prescriptions:new"), structured_data(structured_total=""))
        html = unescape(response.content.decode())
        assert response.status_code == 400
        assert html.count("Enter the credits structured education requires (16).") == 2
        assert 'href="#id_structured_total"' in html
        assert not Prescription.objects.exists()


class TestCqrAndBiennium:
    def test_the_biennium_adds_total_ce_and_one_plan_covers_both(
        self, client, bob, catalog, django_capture_on_commit_callbacks
    ):
        client.force_login(bob)
        response = post(client, biennium_data(), django_capture_on_commit_callbacks)
        assert response.status_code == 302, text(response)
        prescription = Prescription.objects.get(owner=bob)
        assert prescription.kind == "cqr"
        assert [(e.kind, e.credits) for e in prescription.extras.all()] == [("total_ce", D("8.00"))]
        assert prescription.biennium_ends_on == days(500)
        bundle = MatchingRun.objects.get(prescription=prescription).result["bundles"][0]
        # The pack (CQR credits, 6.50 CE) plus the cheapest course for the CE still
        # missing; the pack's courses count toward both and are bought once.
        assert bundle["price"] == "62.00"
        assert bundle["purchases"] == [
            {"kind": "package", "code": "ahec-pack", "price": "50.00"},
            {"kind": "course", "code": "gage-dose", "price": "12.00"},
        ]
        assert bundle["credits"]["total_ce"] == bundle["ce_credits"] == "9.00"

        page = text(client.get(reverse("prescriptions:detail", args=[prescription.pk])))
        assert "CQR prescription 4.50 of 4.50 CQR credits ✓" in page
        assert "Biennial CE 9.00 of 8.00 CE credits still needed this biennium ✓" in page
        assert "CQR credits 6.00 (4.50 count toward your prescription)" in page
        assert "CE credits 9.00 (biennial CE)" in page
        assert "Planned to the end of your biennium" not in page  # it ends after the deadline

    def test_completed_courses_are_not_counted_twice_toward_the_biennium(
        self, client, bob, catalog, django_capture_on_commit_callbacks
    ):
        client.force_login(bob)
        data = biennium_data(completed=[catalog.gage_small.pk])  # 2.25 CE credits
        post(client, data, django_capture_on_commit_callbacks)
        prescription = Prescription.objects.get(owner=bob)
        # total_ce counts completed courses (contract §6); the form's number did already.
        assert prescription.extras.get().credits == D("10.25")
        run = MatchingRun.objects.get(prescription=prescription)
        assert D(run.result["bundles"][0]["credits"]["total_ce"]) >= 8
        html = client.get(reverse("prescriptions:edit", args=[prescription.pk])).content.decode()
        assert re.search(r'name="biennium_credits" value="8.00"', html)
        assert re.search(r'value="cqr-biennium" id="id_obligation_2" checked', html)

    def test_an_earlier_biennium_end_becomes_the_plans_deadline_and_is_explained(
        self, client, bob, catalog, django_capture_on_commit_callbacks, tmp_path: Path
    ):
        # A cheap live event after the biennium's end but before the CQR deadline.
        add_course(
            catalog.gage,
            "gage-late-live",
            {"Image Formation": D("3.00"), "Radiation Safety and Dose": D("1.50")},
            title="Late CT Workshop",
            price=D("5.00"),
            format="live",
            event_date=days(200),
        )
        client.force_login(bob)
        ends = days(100)
        post(
            client,
            biennium_data(biennium_ends_on=ends.isoformat()),
            django_capture_on_commit_callbacks,
        )
        prescription = Prescription.objects.get(owner=bob)
        assert prescription.deadline == days(400)  # the CQR deadline is kept
        assert prescription.plan_deadline == ends
        run = MatchingRun.objects.get(prescription=prescription)
        bundle = run.result["bundles"][0]
        assert "gage-late-live" not in bundle["courses"]
        assert all(s["complete_by"] <= ends.isoformat() for s in bundle["schedule"])

        human = f"{ends:%b} {ends.day}, {ends.year}"
        cqr = days(400)
        note = (
            f"Your biennium ends on {human}, before your CQR deadline "
            f"({cqr:%b} {cqr.day}, {cqr.year}). This plan uses the earlier date: every course "
            f"is due by {human}"
        )
        page = text(client.get(reverse("prescriptions:detail", args=[prescription.pk])))
        assert "Planned to the end of your biennium." in page and note in page

        pdf = tmp_path / "plan.pdf"
        pdf.write_bytes(
            client.get(reverse("prescriptions:plan_pdf", args=[prescription.pk])).content
        )
        out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True)
        printed = re.sub(r"\s+", " ", out.stdout)
        assert "CE plan — CQR prescription and biennial CE" in printed
        assert note in printed
        assert f"End of your biennium: {human}" in printed
        assert "Biennial CE 9.00 of 8.00 CE credits" in printed
        assert "still needed this biennium" in printed

    def test_the_biennium_fields_are_required_and_explained(self, client, bob, catalog):
        client.force_login(bob)
        response = client.post(
            reverse("prescriptions:new"),
            biennium_data(biennium_credits="", biennium_ends_on=""),
        )
        html = unescape(response.content.decode())
        assert response.status_code == 400
        for message in (
            "Enter the CE credits you still need this biennium.",
            "Enter the date your biennium ends.",
        ):
            assert html.count(message) == 2  # next to the field and in the summary
        assert 'href="#id_biennium_credits"' in html and 'href="#id_biennium_ends_on"' in html
        assert 'aria-describedby="id_biennium_credits_helptext id_biennium_credits_error"' in html
        assert not Prescription.objects.exists()

    @pytest.mark.parametrize(
        ("ends", "message"),
        [
            (-60, "is before the issue date"),
            (-10, "Your biennium ended on"),
        ],
    )
    def test_a_biennium_that_already_ended_is_refused(self, client, bob, catalog, ends, message):
        client.force_login(bob)
        response = client.post(
            reverse("prescriptions:new"), biennium_data(biennium_ends_on=days(ends).isoformat())
        )
        assert response.status_code == 400
        assert message in text(response)
        assert not Prescription.objects.exists()


class TestThePlan:
    def test_the_plan_page_and_calendar_show_the_biennium(
        self, client, bob, catalog, django_capture_on_commit_callbacks
    ):
        client.force_login(bob)
        ends = days(100)
        post(
            client,
            biennium_data(biennium_ends_on=ends.isoformat()),
            django_capture_on_commit_callbacks,
        )
        prescription = Prescription.objects.get(owner=bob)
        bundle = prescription.runs.get().bundles.get(rank=1)
        services.plan_choose(prescription=prescription, bundle=bundle)
        page = text(client.get(reverse("prescriptions:plan", args=[prescription.pk])))
        assert f"Your biennium ends on {ends:%b} {ends.day}, {ends.year}" in page
        assert "Biennial CE 9.00 of 8.00 CE credits still needed this biennium ✓" in page
        calendar = client.get(reverse("prescriptions:plan_ics", args=[prescription.pk]))
        assert b"SUMMARY:CE biennium ends: CT plan" in calendar.content
        assert f"DTSTART;VALUE=DATE:{ends:%Y%m%d}".encode() in calendar.content

    def test_a_done_course_that_was_re_planned_counts_once(
        self, client, bob, bob_prescription, catalog, django_capture_on_commit_callbacks
    ):
        client.force_login(bob)
        first = bob_prescription.runs.get().bundles.get(rank=1)
        plan = services.plan_choose(prescription=bob_prescription, bundle=first)
        item = plan.items.get(course=catalog.dose)
        services.plan_item_mark_done(item=item, done_on=timezone.localdate())
        with django_capture_on_commit_callbacks(execute=True):
            services.plan_replan(prescription=bob_prescription)
        second = bob_prescription.runs.latest("id").bundles.get(rank=1)
        services.plan_choose(prescription=bob_prescription, bundle=second)
        # The dose course is now both a completed course and a done item of the plan.
        page = text(client.get(reverse("prescriptions:plan", args=[bob_prescription.pk])))
        assert "1.50 of 1.50 — earned" in page
        assert "3.00 of 1.50" not in page
