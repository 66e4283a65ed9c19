"""`manage.py recommend` per the contract (§5), through call_command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog.services import catalog_import
from tests.integration.contract.catalog_data import CATALOG, INFEASIBLE, prescription


@pytest.fixture
def imported(db: None) -> None:
    catalog_import(document=json.loads(json.dumps(CATALOG)), source="contract test")


def write(tmp_path: Path, document, name: str = "rx.json") -> str:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("recommend", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def only_document(text: str) -> dict:
    """Exactly one JSON document and nothing else (one trailing newline allowed)."""
    assert text.endswith("\n") and text.count("\n") == 1, text
    return json.loads(text)


def test_json_prints_exactly_one_optimal_document(imported, tmp_path, capfd) -> None:
    out, _ = run(write(tmp_path, prescription()), "--json", "--alternatives", "2")
    document = only_document(out)
    assert capfd.readouterr().out == ""  # nothing written to fd 1 behind Python's back
    assert document["format"] == "cqr-recommendation/1"
    assert document["status"] == "optimal"
    assert document["bundles"][0]["price"] == "50.00"
    assert document["bundles"][0]["purchases"] == [
        {"kind": "package", "code": "ahec-pack", "price": "50.00"}
    ]
    assert document["shortfall"] == []
    assert len(document["bundles"]) >= 2
    assert document["bundles"][1]["label"]


def test_json_reports_infeasible_with_a_shortfall_and_exits_zero(imported, tmp_path) -> None:
    out, _ = run(write(tmp_path, INFEASIBLE), "--json")
    document = only_document(out)
    assert document["status"] == "infeasible"
    assert document["bundles"] == []
    assert document["shortfall"] == [
        {"category": "Image Formation", "required": "10.00", "available": "4.25"}
    ]
    assert {"reason": "deadline", "courses": 1} in document["reasons"]


def test_numbers_may_be_json_numbers_or_decimal_strings(imported, tmp_path) -> None:
    rx = prescription(
        required=[
            {"category": "Image Formation", "credits": 3},
            {"category": "Radiation Safety and Dose", "credits": 1.5},
        ],
        hours_per_week=2,
    )
    document = only_document(run(write(tmp_path, rx), "--json")[0])
    assert document["bundles"][0]["price"] == "50.00"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "malformed JSON at line 1"),
        (prescription(format="cqr-prescription/2"), 'format: must be "cqr-prescription/1"'),
        (prescription(discipline="XX"), 'discipline: unknown discipline "XX"'),
        (
            prescription(required=[{"category": "Foo", "credits": 1}]),
            'required[0].category: unknown category "Foo" for discipline CT',
        ),
        (
            prescription(required=[{"category": "Image Formation", "credits": "1,5"}]),
            "required[0].credits: must be a positive number",
        ),
        (prescription(hours_per_week=-2), "hours_per_week: must be a positive number"),
        (prescription(completed=["x-99"]), 'completed[0]: unknown course code "x-99"'),
        (prescription(owned=["nope"]), 'owned[0]: unknown course code "nope"'),
        (prescription(deadline="2020-01-01"), "deadline: must be on or after issued_on"),
        # Hostile input: a clean message naming where, never a traceback.
        ("[" * 100_000, "[0][0][0]"),
        ('{"extra": ' + "[" * 40 + "]" * 40 + "}", "extra[0][0]"),
        (prescription(completed=["x\ud800"]), "completed[0]: contains a lone surrogate"),
        (prescription(completed=["x\u0008"]), "completed[0]: contains a control character"),
    ],
)
def test_invalid_input_fails_with_a_message_naming_the_field(
    imported, tmp_path, content, message
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(CommandError) as caught:
        run(path)
    assert message in str(caught.value)
    # With --json the one document on stdout is an error document.
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("recommend", path, "--json", stdout=out)
    document = only_document(out.getvalue())
    assert document["status"] == "error"
    assert message in document["message"]


def test_a_missing_file_is_reported(db: None, tmp_path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        run(str(tmp_path / "missing.json"))


@pytest.mark.parametrize("option", [("--alternatives", "-1"), ("--time-limit", "0")])
def test_bad_options_are_reported(imported, tmp_path, option) -> None:
    with pytest.raises(CommandError, match=option[0]):
        run(write(tmp_path, prescription()), *option)


def test_the_readable_table_shows_bundles_courses_and_credits(imported, tmp_path) -> None:
    out, _ = run(write(tmp_path, prescription(hours_per_week="2")), "--alternatives", "1")
    assert "Status: optimal" in out
    assert "Bundle 1 — cheapest: $50.00" in out
    assert "package  ahec-pack" in out
    assert "2027-12-31" in out  # due dates
    assert "Radiation Safety and Dose" in out and "still required" in out
    assert "Bundle 2 — " in out


def test_the_readable_table_explains_an_infeasible_prescription(imported, tmp_path) -> None:
    out, _ = run(write(tmp_path, INFEASIBLE))
    assert "Status: infeasible" in out
    assert "Shortfall" in out and "Image Formation" in out and "10.00" in out and "4.25" in out
    assert "deadline: 1 course(s)" in out


def test_pdf_writes_the_printable_plan(imported, tmp_path) -> None:
    pdf = tmp_path / "plan.pdf"
    out, err = run(write(tmp_path, prescription()), "--json", "--pdf", str(pdf))
    only_document(out)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "plan.pdf" in err


def test_the_readable_table_says_the_least_weekly_hours(imported, tmp_path) -> None:
    out, _ = run(write(tmp_path, prescription(hours_per_week="0.01")))
    assert "Status: infeasible" in out
    line = next(x for x in out.splitlines() if "least weekly hours that make it possible" in x)
    hours = line.rsplit(": ", 1)[1]
    out, _ = run(write(tmp_path, prescription(hours_per_week=hours), "rx2.json"))
    assert "Status: optimal" in out


def test_every_error_of_an_invalid_prescription_is_printed_as_before(imported, tmp_path) -> None:
    """The details of the rejection written back as the contract's text, byte for byte:
    one line each on the command error, joined by "; " in the --json error document."""
    rx = prescription(
        deadline="2020-01-01",
        required=[{"category": "Foo", "credits": 1}, {"credits": "x"}],
        completed=["x-99"],
    )
    path = write(tmp_path, rx)
    lines = [
        "deadline: must be on or after issued_on",
        'required[0].category: unknown category "Foo" for discipline CT',
        "required[1].category: is required (a subcategory name)",
        "required[1].credits: must be a positive number with at most 2 decimal places",
        'completed[0]: unknown course code "x-99"',
    ]
    with pytest.raises(CommandError) as caught:
        run(path)
    assert str(caught.value) == f"invalid prescription {path}:\n  " + "\n  ".join(lines)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("recommend", path, "--json", stdout=out)
    assert only_document(out.getvalue())["message"] == "; ".join(lines)
