"""CSV import/export of courses in the admin (django-import-export, docs/csv-format.md)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from catalog.models import (
    CatalogRevision,
    Course,
    CreditDistribution,
    OutlineVersion,
    Provider,
    Subcategory,
)
from catalog.resources import COLUMNS, parse_distribution
from catalog.services import staff_grant_catalog_permissions
from tests.factories import CourseFactory, DistributionFactory

IMPORT_URL = reverse("admin:catalog_course_import")
CONFIRM_URL = reverse("admin:catalog_course_process_import")
EXPORT_URL = reverse("admin:catalog_course_export")


@pytest.fixture
def catalog(alice: Any, charlie: Any, ct_outline: OutlineVersion) -> dict[str, Course]:
    """Two ahec courses (one package-free, priced) and one gage course."""
    sub = {s.name: s for s in ct_outline.subcategories.all()}
    ahec, gage = Provider.objects.get(code="ahec"), Provider.objects.get(code="gage")
    dose = CourseFactory(
        provider=ahec, code="ahec-dose", title="Dose, in practice", price=Decimal("24.00")
    )
    DistributionFactory(
        course=dose, subcategory=sub["Radiation Safety and Dose"], credits=Decimal("1.50")
    )
    DistributionFactory(course=dose, subcategory=sub["Image Formation"], credits=Decimal("0.50"))
    chest = CourseFactory(
        provider=ahec, code="ahec-chest", title="Chest CT", format="webinar",
        event_date="2027-03-01", approval_expires="2027-12-31", arrt_activity_id="A-1",
    )  # fmt: skip
    DistributionFactory(course=chest, subcategory=sub["Neck and Chest"], credits=Decimal("2.00"))
    other = CourseFactory(provider=gage, code="gage-dose", title="Gage dose")
    DistributionFactory(
        course=other, subcategory=sub["Radiation Safety and Dose"], credits=Decimal("1")
    )
    staff_grant_catalog_permissions(user=alice)
    return cast(dict[str, Course], {"dose": dose, "chest": chest, "other": other})


@pytest.fixture
def client_alice(client: Client, alice: Any) -> Client:
    client.force_login(alice)
    return client


def export_csv(client: Client) -> str:
    data = {"format": "0", "resource": "0"}
    response = client.post(EXPORT_URL, data)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    return response.content.decode("utf-8")


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def csv_text(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def preview(client: Client, text: str) -> Any:
    upload = SimpleUploadedFile("courses.csv", text.encode("utf-8"), content_type="text/csv")
    response = client.post(IMPORT_URL, {"import_file": upload, "format": "0", "resource": "0"})
    assert response.status_code == 200
    return response


def confirm(client: Client, previewed: Any) -> Any:
    form = previewed.context["confirm_form"]
    return client.post(CONFIRM_URL, dict(form.initial))


def catalog_state() -> list[tuple[Any, ...]]:
    courses = list(
        Course.objects.order_by("provider__code", "code").values_list(
            "provider__code", "code", "title", "format", "price", "ce_credits", "hours",
            "approval_expires", "event_date", "url", "arrt_activity_id", "cqr_eligible",
            "is_active", "updated_at",
        )
    )  # fmt: skip
    rows = list(
        CreditDistribution.objects.order_by("course__code", "subcategory__name").values_list(
            "course__code", "subcategory__name", "credits"
        )
    )
    return [*courses, *rows]


def invalid_rows(response: Any) -> dict[int, dict[str, list[str]]]:
    result = response.context["result"]
    return {row.number: row.error_dict for row in result.invalid_rows}


class TestExport:
    def test_it_writes_one_row_per_own_course_with_the_distribution_in_one_column(
        self, client_alice: Client, catalog: dict[str, Course]
    ) -> None:
        rows = rows_of(export_csv(client_alice))
        assert [r["code"] for r in rows] == ["ahec-chest", "ahec-dose"]  # not gage's course
        dose = rows[1]
        assert dose["distribution"] == "CT:Radiation Safety and Dose=1.50; CT:Image Formation=0.50"
        assert (dose["provider"], dose["price"], dose["ce_credits"]) == ("ahec", "24.00", "2.00")
        chest = rows[0]
        assert (chest["event_date"], chest["approval_expires"]) == ("2027-03-01", "2027-12-31")
        assert (chest["cqr_eligible"], chest["is_active"]) == ("true", "true")
        assert list(rows[0]) == list(COLUMNS)

    def test_it_exports_in_a_bounded_number_of_queries(
        self, client_alice: Client, catalog: dict[str, Course], django_assert_max_num_queries: Any
    ) -> None:
        ahec = Provider.objects.get(code="ahec")
        for i in range(30):
            CourseFactory(provider=ahec, code=f"bulk-{i:02d}")
        with django_assert_max_num_queries(15):
            rows = rows_of(export_csv(client_alice))
        assert len(rows) == 32


class TestRoundTrip:
    def test_export_then_import_changes_nothing(
        self, client_alice: Client, catalog: dict[str, Course]
    ) -> None:
        exported = export_csv(client_alice)
        before, revisions = catalog_state(), CatalogRevision.objects.count()
        previewed = preview(client_alice, exported)
        result = previewed.context["result"]
        assert not result.has_errors() and not result.has_validation_errors()
        assert [r.import_type for r in result.rows] == ["skip", "skip"]
        response = confirm(client_alice, previewed)
        assert response.status_code == 302
        assert catalog_state() == before
        assert CatalogRevision.objects.count() == revisions
        assert export_csv(client_alice) == exported

    def test_a_confirmed_import_updates_and_creates_courses_with_their_distribution(
        self, client_alice: Client, catalog: dict[str, Course]
    ) -> None:
        rows = rows_of(export_csv(client_alice))
        rows[1]["price"] = "19.50"
        rows.append(
            {**rows[1], "code": "ahec-new", "title": "New course", "hours": "",
             "distribution": "CT:Abdomen and Pelvis=1; CT:Image Formation = 0.25"}
        )  # fmt: skip
        previewed = preview(client_alice, csv_text(rows))
        assert [r.import_type for r in previewed.context["result"].rows] == [
            "skip",
            "update",
            "new",
        ]
        assert "24.00" in previewed.context["result"].rows[1].diff[COLUMNS.index("price")]
        assert not Course.objects.filter(code="ahec-new").exists()  # the preview wrote nothing
        assert Course.objects.get(code="ahec-dose").price == Decimal("24.00")

        confirm(client_alice, previewed)
        assert Course.objects.get(code="ahec-dose").price == Decimal("19.50")
        new = Course.objects.get(code="ahec-new")
        assert new.hours == Decimal("1.67")  # default: 2 credits × 50 / 60
        assert sorted(new.distribution.values_list("subcategory__name", "credits")) == [
            ("Abdomen and Pelvis", Decimal("1.00")),
            ("Image Formation", Decimal("0.25")),
        ]


class TestRejections:
    """Any invalid row: per-row messages naming row and column, and nothing written."""

    def _rejected(
        self, client: Client, rows: list[dict[str, str]]
    ) -> dict[int, dict[str, list[str]]]:
        before = catalog_state()
        previewed = preview(client, csv_text(rows))
        assert "confirm_form" not in previewed.context or previewed.context["confirm_form"] is None
        assert catalog_state() == before
        return invalid_rows(previewed)

    def _rows(self, client: Client) -> list[dict[str, str]]:
        rows = rows_of(export_csv(client))
        rows.append({**rows[1], "code": "ahec-fresh", "title": "A valid new row"})
        return rows

    def test_it_rejects_bad_distribution_syntax(self, client_alice: Client, catalog: Any) -> None:
        rows = self._rows(client_alice)
        rows[0]["distribution"] = "CT Radiation Safety and Dose 1.5"
        errors = self._rejected(client_alice, rows)
        assert list(errors) == [1]
        assert "is not DISCIPLINE:Subcategory=credits" in errors[1]["distribution"][0]
        html = preview(client_alice, csv_text(rows)).content.decode()
        assert "Nothing was imported" in html
        assert "<strong>Row 1</strong>, column <code>distribution</code>: item 1" in html
        assert not Course.objects.filter(code="ahec-fresh").exists()

    def test_it_rejects_an_unknown_category(self, client_alice: Client, catalog: Any) -> None:
        rows = self._rows(client_alice)
        rows[1]["distribution"] = "CT:Radiation Safety and Dose=1; CT:Quantum Imaging=0.5"
        errors = self._rejected(client_alice, rows)
        assert list(errors) == [2]
        assert (
            'unknown category "Quantum Imaging" for discipline CT' in errors[2]["distribution"][0]
        )
        assert not Course.objects.filter(code="ahec-fresh").exists()

    def test_it_rejects_a_negative_price(self, client_alice: Client, catalog: Any) -> None:
        rows = self._rows(client_alice)
        rows[2]["price"] = "-5.00"
        errors = self._rejected(client_alice, rows)
        assert list(errors) == [3]
        assert "must not be negative" in errors[3]["price"][0]
        assert not Course.objects.filter(code="ahec-fresh").exists()

    def test_the_imports_errors_land_on_their_row_and_column_as_data(
        self, client_alice: Client, catalog: Any
    ) -> None:
        rows = self._rows(client_alice)  # ahec-chest, ahec-dose, ahec-fresh
        rows[1]["distribution"] = "CT:Radiation Safety and Dose=1; CT:Quantum Imaging=0.5"
        rows[1]["price"] = "-5.00"
        errors = self._rejected(client_alice, rows)
        assert errors == {
            2: {
                "price": ['must not be negative, not "-5.00"'],
                "distribution": [
                    'distribution[1].category: unknown category "Quantum Imaging" for discipline CT'
                ],
            },
        }
        html = preview(client_alice, csv_text(rows)).content.decode()
        assert (
            "<strong>Row 2</strong>, column <code>price</code>: must not be negative, not "
            "&quot;-5.00&quot;"
        ) in html
        # The text check runs before the records are read; it names the row by position.
        rows = self._rows(client_alice)
        rows[2]["title"] = "Fresh\u0007"
        assert self._rejected(client_alice, rows) == {
            3: {"title": ["contains a control character (\\u0007), which is not allowed"]}
        }

    def test_it_rejects_a_row_of_another_provider(self, client_alice: Client, catalog: Any) -> None:
        rows = self._rows(client_alice)
        rows[0]["provider"] = "gage"
        rows[0]["code"] = "gage-dose"
        rows[0]["price"] = "1.00"
        errors = self._rejected(client_alice, rows)
        assert list(errors) == [1]
        assert '"gage" is not your provider' in errors[1]["provider"][0]
        assert Course.objects.get(code="gage-dose").price == Decimal("20.00")

    def test_it_reports_every_invalid_row_at_once(self, client_alice: Client, catalog: Any) -> None:
        rows = self._rows(client_alice)
        rows[0]["ce_credits"] = "lots"
        rows[1]["cqr_eligible"] = "maybe"
        rows[2]["distribution"] = "CT:Image Formation=9"  # above the 2 CE credits
        errors = self._rejected(client_alice, rows)
        assert sorted(errors) == [1, 2, 3]
        assert "ce_credits" in errors[1]
        assert errors[2]["cqr_eligible"] == ['must be true or false, not "maybe"']
        assert "exceed" in errors[3]["distribution"][0]

    def test_it_rejects_a_file_without_the_required_columns(
        self, client_alice: Client, catalog: Any
    ) -> None:
        before = catalog_state()
        text = csv_text([{"provider": "ahec", "code": "x"}], columns=("provider", "code"))
        previewed = preview(client_alice, text)
        result = previewed.context["result"]
        assert result.has_errors()
        assert "no column title, format, price, ce_credits, distribution" in str(
            result.base_errors[0].error
        )
        assert catalog_state() == before

    def test_a_file_that_became_invalid_after_its_preview_writes_nothing(
        self, client_alice: Client, catalog: dict[str, Course]
    ) -> None:
        rows = self._rows(client_alice)
        previewed = preview(client_alice, csv_text(rows))
        # Meanwhile site staff rename a subcategory the file names: the file is now invalid.
        Subcategory.objects.filter(name="Image Formation").update(name="Image Formation, CT")
        before = catalog_state()
        response = confirm(client_alice, previewed)
        assert response.status_code == 302
        assert response["Location"] == IMPORT_URL
        assert catalog_state() == before
        assert not Course.objects.filter(code="ahec-fresh").exists()
        follow = client_alice.get(response["Location"])
        assert "Nothing was imported" in follow.content.decode()


class TestChangelist:
    def test_it_offers_import_export_and_the_insights_link_to_provider_staff(
        self, client_alice: Client, catalog: Any
    ) -> None:
        html = client_alice.get(reverse("admin:catalog_course_changelist")).content.decode()
        assert IMPORT_URL in html and EXPORT_URL in html
        assert reverse("insights:home") in html


class TestPermissions:
    def test_a_technologist_cannot_open_the_import(self, client: Client, bob: Any) -> None:
        client.force_login(bob)
        response = client.get(IMPORT_URL)
        assert response.status_code == 302  # to the admin login


def test_it_parses_the_distribution_column() -> None:
    assert parse_distribution(" CT:Head, Spine, and Musculoskeletal = 1.5 ;; MR:Body=0.25 ") == [
        {"discipline": "CT", "category": "Head, Spine, and Musculoskeletal", "credits": "1.5"},
        {"discipline": "MR", "category": "Body", "credits": "0.25"},
    ]
    assert parse_distribution("") == []
    for bad in ("CT=1", "CT:Foo", "CT:Foo=", ":Foo=1"):
        with pytest.raises(ValueError, match="item 1"):
            parse_distribution(bad)


class TestHostileFiles:
    """Over the size limit: 413 before the file is read. Control characters in a cell:
    refused naming the row and column."""

    def test_an_oversized_csv_is_a_413_with_the_limit(
        self, client_alice: Client, catalog: Any, settings: Any
    ) -> None:
        settings.CQR_ADMIN_IMPORT_MAX_BYTES = 10_000
        upload = SimpleUploadedFile("courses.csv", b"x" * 200_000, content_type="text/csv")
        response = client_alice.post(
            IMPORT_URL, {"import_file": upload, "format": "0", "resource": "0"}
        )
        assert response.status_code == 413
        assert "the limit is 9.8 KB" in response.content.decode()

    def test_a_control_character_in_a_cell_is_refused_naming_row_and_column(
        self, client_alice: Client, catalog: Any
    ) -> None:
        rows = rows_of(export_csv(client_alice))
        rows[0]["title"] = "Dose\u001b[31m in practice"
        errors = invalid_rows(preview(client_alice, csv_text(rows)))
        assert list(errors) == [1]
        assert "control character (\\u001b)" in errors[1]["title"][0]
        assert Course.objects.get(code="ahec-dose").title == "Dose, in practice"


class TestFormulaEscaping:
    """Every CSV export writes cells that start like a formula as text (core.spreadsheet)."""

    def test_the_export_escapes_a_formula_title_and_imports_back_unchanged(
        self, client_alice: Client, catalog: dict[str, Course]
    ) -> None:
        Course.objects.filter(pk=catalog["dose"].pk).update(
            title='=HYPERLINK("http://evil.example","Dose")'
        )
        text = export_csv(client_alice)
        row = next(r for r in rows_of(text) if r["code"] == "ahec-dose")
        assert row["title"] == '\'=HYPERLINK("http://evil.example","Dose")'
        before = catalog_state()
        confirm(client_alice, preview(client_alice, text))
        assert catalog_state() == before
