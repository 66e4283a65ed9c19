"""The pure prescription-text parser: lines, credits, dates, matching rules (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from prescriptions.parsing import (
    MARGIN,
    THRESHOLD,
    Confidence,
    DisciplineName,
    Outline,
    OutlineSubcategory,
    Unmatched,
    find_dates,
    parse_lines,
    parse_prescription,
    recognise_discipline,
)
from prescriptions.parsing.lines import read_credit_line
from tests.unit.parsing.corpus import shipped_outlines

CT = Outline(
    DisciplineName("CT", "Computed Tomography"),
    (
        OutlineSubcategory("Patient Interactions and Management", "Patient Care"),
        OutlineSubcategory("Radiation Safety and Dose", "Safety", ("Radiation Dose and Safety",)),
        OutlineSubcategory("Image Formation", "Image Production"),
        OutlineSubcategory("Image Evaluation and Archiving", "Image Production"),
        OutlineSubcategory("Head, Spine, and Musculoskeletal", "Procedures"),
        OutlineSubcategory("Neck and Chest", "Procedures"),
        OutlineSubcategory("Abdomen and Pelvis", "Procedures"),
    ),
    ("Patient Care", "Safety", "Image Production", "Procedures"),
)


# Two subcategories that one name is equally close to.
TWO_CLOSE = Outline(
    DisciplineName("X", "Example"),
    (
        OutlineSubcategory("Vascular Procedures A", "P"),
        OutlineSubcategory("Vascular Procedures B", "P"),
    ),
    ("P",),
)


def one(text: str, outline: Outline = CT):
    result = parse_lines(text, outline)
    assert len(result.lines) == 1, result.lines
    return result.lines[0]


@pytest.mark.parametrize(
    "written",
    [
        "09/30/2027",
        "9/30/27",
        "September 30, 2027",
        "Sept. 30 2027",
        "Sep 30, 2027",
        "30 September 2027",
        "2027-09-30",
        "September 30th, 2027",
    ],
)
def test_us_and_iso_date_styles_are_read(written: str) -> None:
    assert [found.value for found in find_dates(f"Deadline: {written}.")] == [date(2027, 9, 30)]


def test_impossible_dates_and_longer_numbers_are_not_dates() -> None:
    assert find_dates("13/45/2027") == []
    assert find_dates("ID 1209/30/20271") == []


def test_deadline_issue_date_and_window_are_told_apart() -> None:
    text = (
        "Issued: 01/15/2025\n"
        "CQR window: January 1, 2025 - December 31, 2027\n"
        "Printed 11/22/2026\n"
        "Radiation Safety and Dose 1.00\n"
    )
    dates = parse_lines(text, CT).dates
    assert dates.issued_on == date(2025, 1, 15)
    assert (dates.window_start, dates.window_end) == (date(2025, 1, 1), date(2027, 12, 31))
    assert dates.deadline == date(2027, 12, 31)  # the window's end, no deadline of its own


def test_a_stated_deadline_wins_over_the_window_end_and_two_dates_share_a_line() -> None:
    text = "Issued Sept. 15, 2026. Complete by Sept. 14, 2029.\nWindow ends 12/31/2029\n"
    dates = parse_lines(text, CT).dates
    assert dates.issued_on == date(2026, 9, 15)
    assert dates.deadline == date(2029, 9, 14)
    assert dates.window_end == date(2029, 12, 31)


@pytest.mark.parametrize(
    ("line", "credits"),
    [
        ("Safety - Radiation Safety & Dose ..... 1.50 credits", "1.50"),
        ("Safety – Radiation Safety and Dose – 1.5 credits", "1.50"),
        ("Safety\tRadiation Safety and Dose\t2", "2.00"),
        ("Radiation Safety and Dose        .75", "0.75"),
        ("• 2.25 CQR credits  Radiation Safety and Dose", "2.25"),
        ("3) Radiation Safety and Dose (1 credit)", "1.00"),
        ("a) Radiation Safety and Dose: 1.25", "1.25"),
        ("- Radiation Safety and Dose   Credits: 0.50", "0.50"),
        ("| Radiation Safety and Dose | 1.00 |", "1.00"),
        ("RADIATION SAFETY AND DOSE 1.00 0.25 0.75", "1.00"),
        ("radiation safety & dose ____ 1.00", "1.00"),
    ],
)
def test_layouts_give_the_credits_and_the_subcategory(line: str, credits: str) -> None:
    parsed = one(line)
    assert parsed.credits == Decimal(credits)
    assert parsed.subcategory == "Radiation Safety and Dose"
    assert parsed.line == line


@pytest.mark.parametrize(
    "line",
    [
        "Page 1 of 2",
        "2 / 3",
        "ARRT ID 123456",
        "Registry number: 554433   Page 1 of 2",
        "Deadline: 09/30/2027",
        "Major Category   Subcategory   Credits",
        "Total credits 6.25",
        "You must earn 4.5 credits in total.",
        "Radiation Safety and Dose",
        "Safety  1209.50",
        "Image Formation 0.00",
    ],
)
def test_lines_without_a_credit_amount_are_ignored(line: str) -> None:
    assert parse_lines(line, CT).lines == ()
    assert read_credit_line(line) is None


def test_a_letter_or_two_mistyped_still_matches_but_less_surely() -> None:
    exact = one("Image Formation 1.00")
    typo = one("Image Formatoin 1.00")
    assert exact.confidence is Confidence.EXACT
    assert typo.subcategory == "Image Formation"
    assert typo.confidence in (Confidence.HIGH, Confidence.MEDIUM)
    assert THRESHOLD <= typo.score < exact.score


def test_case_punctuation_and_ampersand_do_not_matter() -> None:
    parsed = one("HEAD SPINE & MUSCULOSKELETAL 2.00")
    assert parsed.subcategory == "Head, Spine, and Musculoskeletal"
    assert parsed.confidence is Confidence.EXACT


def test_an_alias_resolves_to_the_portal_spelling() -> None:
    parsed = one("Radiation Dose & Safety 1.00")
    assert parsed.subcategory == "Radiation Safety and Dose"
    assert parsed.matched_name == "Radiation Dose and Safety"


def test_a_major_category_alone_is_unmatched_with_its_reason() -> None:
    parsed = one("Procedures 2.00")
    assert parsed.subcategory is None
    assert parsed.unmatched_reason is Unmatched.MAJOR_ONLY
    assert parsed.credits == Decimal("2.00")


def test_a_name_of_another_discipline_is_unmatched_not_guessed() -> None:
    parsed = one("Radiation Protection 1.00")
    assert parsed.subcategory is None
    assert parsed.unmatched_reason is Unmatched.NOT_CLOSE
    assert parsed.score < THRESHOLD


def test_a_name_close_to_two_subcategories_is_left_for_the_user() -> None:
    parsed = one("Vascular Procedures 1.00", TWO_CLOSE)
    assert parsed.subcategory is None
    assert parsed.unmatched_reason is Unmatched.AMBIGUOUS
    assert MARGIN > 0


def test_an_unmatched_line_names_a_closest_subcategory_only_when_one_is_close() -> None:
    """Close means the score a match needs (THRESHOLD): a name far from every
    subcategory suggests none, one close to two suggests the better one."""
    far = one("Cardiac Doppler 1.00")
    assert far.unmatched_reason is Unmatched.NOT_CLOSE and far.score < THRESHOLD
    assert far.closest is None
    assert one("Procedures 2.00").closest is None  # a major category, close to no subcategory
    near = one("Vascular Procedures 1.00", TWO_CLOSE)
    assert near.unmatched_reason is Unmatched.AMBIGUOUS and near.score >= THRESHOLD
    assert near.closest == "Vascular Procedures A"
    assert one("Image Formation 1.00").closest is None  # matched: nothing to suggest


def test_a_name_wrapped_onto_two_lines_is_read_as_one() -> None:
    outline = next(o for o in shipped_outlines() if o.discipline.code == "T")
    text = "Radiation Protection, Equipment Operation,\n  and Quality Assurance    2.00\n"
    parsed = one(text, outline)
    assert parsed.subcategory == "Radiation Protection, Equipment Operation, and Quality Assurance"
    assert parsed.line == "and Quality Assurance    2.00"


def test_lines_keep_the_order_of_the_text() -> None:
    result = parse_lines("Neck and Chest 1.00\nProcedures 2.00\nImage Formation 0.50\n", CT)
    assert [line.line_number for line in result.lines] == [1, 2, 3]
    assert [line.subcategory for line in result.lines] == [
        "Neck and Chest",
        None,
        "Image Formation",
    ]


def test_the_discipline_is_recognised_by_label_name_or_code() -> None:
    disciplines = [o.discipline for o in shipped_outlines()]
    codes = lambda text: [d.code for d in recognise_discipline(text, disciplines)]  # noqa: E731
    assert codes("Discipline: CT") == ["CT"]
    assert codes("Breast Sonography prescription") == ["BS"]  # not also Sonography
    assert codes("Cardiac-Interventional Radiography") == ["CI"]
    assert codes("R.T.(R)(CT)(ARRT)") == ["CT"]  # a one-letter code only when labelled
    assert codes("Discipline: R") == ["R"]
    assert codes("Continuing Qualifications Requirements") == []


def test_of_two_named_disciplines_the_one_whose_outline_fits_the_lines_wins() -> None:
    text = "Registered in Radiography\nComputed Tomography CQR\nNeck and Chest 1.00\n"
    result = parse_prescription(text, shipped_outlines())
    assert result.discipline is not None and result.discipline.code == "CT"


def test_no_discipline_named_and_none_given_reads_nothing() -> None:
    result = parse_prescription("Neck and Chest 1.00", shipped_outlines())
    assert result.discipline is None and result.lines == ()
    given = parse_prescription("Neck and Chest 1.00", shipped_outlines(), discipline_code="CT")
    assert given.lines[0].subcategory == "Neck and Chest"
