"""cqr-prescription/1 documents and Prescription rows -> PrescriptionSpec, and back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import MajorCategory, OutlineVersion, Subcategory, SubcategoryAlias
from prescriptions.documents import (
    PrescriptionInputError,
    parse_amount,
    prescription_document_from_spec,
    prescription_spec_from_document,
)
from prescriptions.extras import ExtraSpec
from prescriptions.models import ExtraRequirement
from prescriptions.spec_rows import prescription_spec_from_model
from tests.factories import CourseFactory, ProviderFactory
from tests.integration.matching.conftest import Catalog, prescription_document

D = Decimal


def errors_of(document: dict) -> list[str]:
    with pytest.raises(PrescriptionInputError) as caught:
        prescription_spec_from_document(document)
    return caught.value.errors


def test_it_parses_a_full_document(catalog: Catalog) -> None:
    spec = prescription_spec_from_document(
        prescription_document(
            completed=["ahec-ct-dose"],
            owned=["gage-img2"],
            hours_per_week=2,
            formats=["online", "webinar"],
            exclude_providers=["gage"],
            extra=[{"kind": "total_ce", "credits": 24}],
            kind="structured-education",
            unknown_key={"is": "ignored"},
        )
    )
    assert spec.outline == catalog.outline
    assert spec.kind == "structured-education"
    assert (spec.issued_on, spec.deadline, spec.as_of) == (
        date(2026, 9, 1),
        date(2027, 12, 31),
        date(2026, 11, 22),
    )
    assert [(sub.name, credits) for sub, credits in spec.required] == [
        ("Image Formation", D("3.0")),
        ("Radiation Safety and Dose", D("1.5")),
    ]
    assert spec.completed == (catalog.dose,)
    assert spec.owned == (catalog.gage_small,)
    assert spec.hours_per_week == D(2)
    assert spec.formats == frozenset({"online", "webinar"})
    assert spec.exclude_providers == (catalog.gage,)
    assert spec.extras == (ExtraSpec("total_ce", D(24)),)


def test_it_defaults_as_of_to_today_and_formats_to_all(catalog: Catalog) -> None:
    document = prescription_document()
    del document["as_of"]
    spec = prescription_spec_from_document(document)
    assert spec.as_of == timezone.localdate()
    assert spec.formats is None
    assert spec.kind == "cqr"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("99.50", D("99.50")),
        (0.25, D("0.25")),
        (3, D(3)),
        ("1.500", D("1.500")),
        ("1.005", None),
        (0.1 + 0.2, None),
        ("abc", None),
        ("1e2", None),
        (".5", D("0.5")),
        (True, None),
        ("NaN", None),
        (None, None),
        ([1], None),
    ],
)
def test_it_accepts_json_numbers_and_decimal_strings_with_two_places(raw, expected) -> None:
    assert parse_amount(raw) == expected


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"format": "cqr-catalog/1"}, 'format: must be "cqr-prescription/1", not "cqr-catalog/1"'),
        ({"discipline": "XX"}, 'discipline: unknown discipline "XX"'),
        ({"discipline": None}, "discipline: is required"),
        ({"kind": "foo"}, 'kind: unknown kind "foo"'),
        (
            {"issued_on": "2026-13-01"},
            'issued_on: must be an ISO date YYYY-MM-DD, not "2026-13-01"',
        ),
        ({"deadline": None}, "deadline: is required"),
        ({"deadline": "2026-01-01"}, "deadline: must be on or after issued_on"),
        ({"as_of": "tomorrow"}, "as_of: must be an ISO date"),
        ({"as_of": "20261122"}, "as_of: must be an ISO date"),
        (
            {
                "required": [
                    {"category": "Image Formation", "credits": 1},
                    {"category": "Foo", "credits": 1},
                ]
            },
            'required[1].category: unknown category "Foo" for discipline CT',
        ),
        (
            {"required": [{"category": "Image Formation", "credits": "-1"}]},
            "required[0].credits: must be a positive number with at most 2 decimal places",
        ),
        (
            {"required": [{"category": "Image Formation", "credits": "1.234"}]},
            "required[0].credits: must be a positive number with at most 2 decimal places",
        ),
        ({"required": [{"credits": 1}]}, "required[0].category: is required"),
        ({"required": []}, "required: must list at least one"),
        ({"required": "Image Formation"}, "required: must be a list"),
        (
            {
                "required": [
                    {"category": "Image Formation", "credits": 1},
                    {"category": "Image Formation", "credits": 2},
                ]
            },
            'required[1].category: "Image Formation" names the same subcategory as required[0]',
        ),
        ({"completed": ["x-99"]}, 'completed[0]: unknown course code "x-99"'),
        ({"owned": ["ahec-ct-dose", 7]}, "owned[1]: must be a course code"),
        ({"hours_per_week": 0}, "hours_per_week: must be a positive number"),
        ({"hours_per_week": "two"}, "hours_per_week: must be a positive number"),
        ({"formats": ["online", "fax"]}, 'formats[1]: unknown format "fax"'),
        ({"formats": []}, "formats: must name at least one format"),
        ({"exclude_providers": ["nobody"]}, 'exclude_providers[0]: unknown provider "nobody"'),
        ({"extra": [{"kind": "foo", "credits": 1}]}, 'extra[0].kind: unknown kind "foo"'),
        ({"extra": [{"kind": "total_ce", "credits": "x"}]}, "extra[0].credits: must be a positive"),
    ],
)
def test_it_rejects_bad_input_naming_the_field(catalog: Catalog, overrides, message) -> None:
    errors = errors_of(prescription_document(**overrides))
    assert any(error.startswith(message) for error in errors), errors


def test_it_rejects_a_document_that_is_not_an_object(db: None) -> None:
    assert errors_of([1, 2]) == ["document: must be a JSON object"]  # type: ignore[arg-type]


def test_it_reports_every_mistake_at_once(catalog: Catalog) -> None:
    errors = errors_of(prescription_document(completed=["nope"], hours_per_week=-1, kind="x"))
    assert len(errors) == 3


def test_it_lists_the_mistakes_in_document_order(catalog: Catalog) -> None:
    # Row 1's missing name is found in the first pass, row 0's unknown subcategory later.
    errors = errors_of(
        prescription_document(
            required=[{"category": "Foo", "credits": 1}, {"credits": 1}],
            owned=["nope"],
        )
    )
    assert [error.split(":")[0] for error in errors] == [
        "required[0].category",
        "required[1].category",
        "owned[0]",
    ]


def test_it_accepts_an_empty_required_list_when_extras_are_given(catalog: Catalog) -> None:
    spec = prescription_spec_from_document(
        prescription_document(required=[], extra=[{"kind": "total_discipline", "credits": "16"}])
    )
    assert spec.required == ()
    assert spec.extras == (ExtraSpec("total_discipline", D(16)),)


def test_it_resolves_aliases_and_older_outline_names(catalog: Catalog) -> None:
    current = catalog.outline
    image = catalog.sub("Image Formation")
    SubcategoryAlias.objects.create(
        outline=current, alias="Image Production Basics", subcategory=image
    )
    older = OutlineVersion.objects.create(
        discipline=current.discipline, version="2017", is_current=False
    )
    major = MajorCategory.objects.create(outline=older, name="Procedures")
    retired = Subcategory.objects.create(outline=older, major=major, name="Contrast Media")
    spec = prescription_spec_from_document(
        prescription_document(
            required=[
                {"category": "Image Production Basics", "credits": 1},
                {"category": "Contrast Media", "credits": 1},
            ]
        )
    )
    assert [sub for sub, _ in spec.required] == [image, retired]


def test_it_asks_for_provider_slash_code_when_a_code_is_ambiguous(catalog: Catalog) -> None:
    CourseFactory(provider=catalog.gage, code="ahec-ct-dose")
    errors = errors_of(prescription_document(completed=["ahec-ct-dose"]))
    assert errors == [
        'completed[0]: course code "ahec-ct-dose" is ambiguous (providers ahec, gage); '
        'write it as "provider/code"'
    ]
    spec = prescription_spec_from_document(prescription_document(completed=["ahec/ahec-ct-dose"]))
    assert spec.completed == (catalog.dose,)


def test_it_ignores_inactive_courses_when_resolving_codes(catalog: Catalog) -> None:
    catalog.dose.is_active = False
    catalog.dose.save()
    assert errors_of(prescription_document(owned=["ahec-ct-dose"])) == [
        'owned[0]: unknown course code "ahec-ct-dose"'
    ]


def test_a_spec_round_trips_through_its_document(catalog: Catalog) -> None:
    CourseFactory(provider=ProviderFactory(code="other"), code="gage-img2")  # now ambiguous
    spec = prescription_spec_from_document(
        prescription_document(
            completed=["ahec-ct-dose"],
            owned=["gage/gage-img2"],
            hours_per_week="2.5",
            formats=["online"],
            exclude_providers=["gage"],
            extra=[{"kind": "major_minimum", "credits": 1}],
        )
    )
    document = prescription_document_from_spec(spec)
    assert document["owned"] == ["gage/gage-img2"]
    assert document["required"][0] == {"category": "Image Formation", "credits": "3.00"}
    assert prescription_spec_from_document(document) == spec


def test_it_builds_the_spec_of_a_saved_prescription(catalog: Catalog, prescription) -> None:
    prescription.completed_courses.add(catalog.dose)
    prescription.owned_courses.add(catalog.gage_small)
    prescription.excluded_providers.add(catalog.gage)
    prescription.formats = ["online"]
    prescription.hours_per_week = D("3.00")
    prescription.save()
    ExtraRequirement.objects.create(prescription=prescription, kind="total_ce", credits=D(24))
    spec = prescription_spec_from_model(prescription)
    assert spec.outline == catalog.outline
    assert [(s.name, c) for s, c in spec.required] == [
        ("Image Formation", D("3.00")),
        ("Radiation Safety and Dose", D("1.50")),
    ]
    assert spec.completed == (catalog.dose,)
    assert spec.owned == (catalog.gage_small,)
    assert spec.exclude_providers == (catalog.gage,)
    assert spec.formats == frozenset({"online"})
    assert spec.hours_per_week == D(3)
    assert spec.extras == (ExtraSpec("total_ce", D(24)),)
    assert spec.as_of == date(2026, 11, 22)


def test_a_saved_prescription_with_an_unknown_format_is_invalid(
    catalog: Catalog, prescription
) -> None:
    prescription.formats = ["fax"]
    prescription.save()
    with pytest.raises(PrescriptionInputError, match='formats\\[0\\]: unknown format "fax"'):
        prescription_spec_from_model(prescription)


def test_an_earlier_biennium_end_becomes_the_plan_deadline(catalog: Catalog) -> None:
    extra = [{"kind": "total_ce", "credits": "24"}]
    spec = prescription_spec_from_document(
        prescription_document(extra=extra, biennium_ends_on="2027-06-30")
    )
    assert (spec.deadline, spec.biennium_ends_on) == (date(2027, 12, 31), date(2027, 6, 30))
    assert spec.plan_deadline == date(2027, 6, 30) and spec.deadline_from_biennium
    assert prescription_document_from_spec(spec)["biennium_ends_on"] == "2027-06-30"
    assert prescription_spec_from_document(prescription_document_from_spec(spec)) == spec
    later = prescription_spec_from_document(
        prescription_document(extra=extra, biennium_ends_on="2028-06-30")
    )
    assert later.plan_deadline == date(2027, 12, 31) and not later.deadline_from_biennium


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"biennium_ends_on": "2027-06-30"}, "biennium_ends_on: applies only with a total_ce"),
        (
            {"biennium_ends_on": "2026-01-31", "extra": [{"kind": "total_ce", "credits": 24}]},
            "biennium_ends_on: must be on or after issued_on",
        ),
        (
            {"biennium_ends_on": "June 2027", "extra": [{"kind": "total_ce", "credits": 24}]},
            'biennium_ends_on: must be an ISO date YYYY-MM-DD, not "June 2027"',
        ),
        (
            {"extra": [{"kind": "total_ce", "credits": 2}, {"kind": "total_ce", "credits": 3}]},
            "extra[1].kind: total_ce is given more than once",
        ),
        (
            {"extra": [{"kind": "total_ce", "credits": "-1"}]},
            "extra[0].credits: must be a positive",
        ),
        ({"extra": [{"credits": 1}]}, "extra[0].kind: unknown kind None"),
        ({"extra": ["total_ce"]}, "extra[0]: must be an object with kind and credits"),
    ],
)
def test_it_rejects_bad_extras_naming_the_field(catalog: Catalog, overrides, message) -> None:
    errors = errors_of(prescription_document(**overrides))
    assert any(error.startswith(message) for error in errors), errors


def test_a_saved_biennium_end_counts_only_with_a_total_ce_requirement(
    catalog: Catalog, prescription
) -> None:
    prescription.biennium_ends_on = date(2027, 3, 31)
    prescription.save()
    assert prescription_spec_from_model(prescription).biennium_ends_on is None
    ExtraRequirement.objects.create(prescription=prescription, kind="total_ce", credits=D(6))
    spec = prescription_spec_from_model(prescription)
    assert spec.plan_deadline == date(2027, 3, 31) == prescription.plan_deadline
