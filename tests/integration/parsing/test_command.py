"""`manage.py parse_prescription` per the contract (§7), and the database's outline as the
parser's plain data."""

from __future__ import annotations

import io
import json
import logging
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog.models import OutlineVersion, Subcategory, SubcategoryAlias
from catalog.services import outlines_load_default
from prescriptions.text_import import outlines_for_parsing
from tests.integration.conftest import manage
from tests.unit.parsing.corpus import CORPUS, shipped_outlines


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("parse_prescription", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def as_sets(outlines):
    return {
        o.discipline.code: (
            o.discipline.name,
            {(s.name, s.major, s.other_names) for s in o.subcategories},
        )
        for o in outlines
    }


def test_the_database_gives_the_parser_the_shipped_outlines(db: None) -> None:
    outlines_load_default()
    assert as_sets(outlines_for_parsing()) == as_sets(shipped_outlines())


def test_json_is_one_prescription_document_with_lines_and_dates(db: None) -> None:
    document = json.loads(run(str(CORPUS / "09_bs_major_only.txt"), "--json"))
    assert document == {
        "format": "cqr-prescription/1",
        "discipline": "BS",
        "issued_on": "2025-10-01",
        "deadline": "2028-09-30",
        "required": [
            {
                "category": "Basic Principles of Ultrasound",
                "credits": "1.50",
                "line": "Image Production - Basic Principles of Ultrasound - 1.50 credits",
            },
            {
                "category": "Image Formation",
                "credits": "1.00",
                "line": "Image Production - Image Formation - 1.00 credits",
            },
            {
                "category": "Breast Interventions",
                "credits": "0.50",
                "line": "Procedures - Breast Interventions - 0.50 credits",
            },
        ],
        "unmatched": [
            {"line": "Patient Care - 1.00 credits", "credits": "1.00"},
            {"line": "Procedures - 3.00 credits", "credits": "3.00"},
        ],
    }


def test_a_pdf_is_read(db: None) -> None:
    document = json.loads(run(str(CORPUS / "31_ct_table.pdf"), "--json"))
    assert document["discipline"] == "CT"
    assert document["deadline"] == "2029-01-31"
    assert [row["category"] for row in document["required"]] == [
        "Radiation Safety and Dose",
        "Image Formation",
        "Neck and Chest",
        "Abdomen and Pelvis",
    ]


def test_discipline_option_is_needed_when_the_text_names_none(db: None) -> None:
    path = str(CORPUS / "18_ct_discipline_flag.txt")
    with pytest.raises(CommandError, match="no discipline named"):
        run(path, "--json")
    document = json.loads(run(path, "--discipline", "CT", "--json"))
    assert len(document["required"]) == 3 and "deadline" not in document


@pytest.mark.parametrize("code", ["ct", "Ct", " ct "])
def test_the_discipline_option_is_read_in_any_case(db: None, code: str) -> None:
    path = str(CORPUS / "18_ct_discipline_flag.txt")
    assert run(path, "--discipline", code, "--json") == run(path, "--discipline", "CT", "--json")
    assert json.loads(run(path, "--discipline", code, "--json"))["discipline"] == "CT"
    assert f"{path}: Computed Tomography (CT)" in run(path, "--discipline", code)


def test_an_alias_added_in_the_database_is_matched_and_spelled_as_the_portal_does(
    db: None, tmp_path: Path
) -> None:
    outlines_load_default()
    outline = OutlineVersion.objects.get(discipline__code="CT", is_current=True)
    target = Subcategory.objects.get(outline=outline, name="Neck and Chest")
    SubcategoryAlias.objects.create(
        outline=outline, alias="Thorax and Neck Imaging", subcategory=target
    )
    path = tmp_path / "rx.txt"
    path.write_text("Discipline: CT\nThorax & Neck Imaging ..... 1.00\n", encoding="utf-8")
    document = json.loads(run(str(path), "--json"))
    assert document["required"][0]["category"] == "Neck and Chest"


def test_the_readable_summary_names_matches_and_unmatched_lines(db: None) -> None:
    out = run(str(CORPUS / "08_vs_near_misses.txt"))
    assert "Vascular Sonography (VS)" in out
    assert "Deadline:   2027-10-31" in out
    assert "Cerebrovascular  [Exact match]" in out
    assert "Cardiac Doppler    1.00" in out and "no subcategory close enough" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "the file is empty"),
        (b"\xff\xfe\x00bad", "not UTF-8 text"),
        (b"Discipline: CT\nNothing to do here.\n", "no prescription line found"),
        (b"%PDF-1.7 garbage", "not a readable PDF"),
    ],
)
def test_bad_files_fail_with_a_message(db: None, tmp_path: Path, content, message) -> None:
    path = tmp_path / ("rx.pdf" if content and content.startswith(b"%PDF") else "rx.txt")
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run(str(path), "--json")


def test_an_unknown_discipline_code_fails(db: None) -> None:
    with pytest.raises(CommandError, match="'XX' has no outline") as failure:
        run(str(CORPUS / "01_ct_table_tabs.txt"), "--discipline", "XX")
    # The code was given: the message lists the known codes, it does not ask for one.
    assert "give it with --discipline" not in str(failure.value)
    assert "known: BD, BS, CI, CT" in str(failure.value)


def test_as_a_process_on_a_fresh_database(fresh_sqlite: Path) -> None:
    """How external suites run it: `migrate` (the fixture), then the command; the document
    alone on stdout and exit 0; a bad file exits non-zero with the message on stderr."""

    def parse(*args: str) -> subprocess.CompletedProcess[str]:
        return manage(fresh_sqlite, "parse_prescription", *args, "--skip-checks")

    done = parse(str(CORPUS / "02_ct_dashes_dotted.txt"), "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["discipline"] == "CT" and len(document["required"]) == 4
    missing = parse(str(fresh_sqlite.with_name("none.txt")))
    assert missing.returncode != 0
    assert "none.txt: no such file" in missing.stderr and missing.stdout == ""


def test_the_message_names_the_file_once_whichever_step_failed(db: None, tmp_path: Path) -> None:
    empty, no_lines = tmp_path / "empty.txt", tmp_path / "rx.txt"
    empty.write_bytes(b"")
    no_lines.write_bytes(b"Discipline: CT\nNothing to do here.\n")
    with pytest.raises(CommandError) as raised:  # the file is the problem: its record
        run(str(empty))
    assert str(raised.value) == f"{empty}: the file is empty"
    with pytest.raises(CommandError) as raised:  # the text is: the command names the file
        run(str(no_lines))
    assert str(raised.value) == (
        f"{no_lines}: no prescription line found: no line carries a credit amount (discipline CT)"
    )


def test_a_damaged_pdf_gets_our_message_and_nothing_from_the_pdf_library(
    db: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """pypdf warns while it reads around damage ("EOF marker not found"); the logging
    settings keep that off stderr, where the command's own message says it once."""
    whole = next(CORPUS.glob("*.pdf")).read_bytes()
    damaged = tmp_path / "rx.pdf"
    damaged.write_bytes(whole[: len(whole) // 3])
    with caplog.at_level(logging.WARNING), pytest.raises(CommandError) as raised:
        run(str(damaged))
    assert str(raised.value).startswith(f"{damaged}: not a readable PDF")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pypdf")] == []


def test_a_discipline_the_portal_has_no_outline_for_is_named_in_the_message(
    db: None, tmp_path: Path
) -> None:
    outlines_load_default()
    path = tmp_path / "rx.txt"
    path.write_text("Discipline: Fluoroscopy\nPatient Safety 1.50\n", encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        run(str(path))
    message = str(raised.value)
    assert message.startswith(
        f"{path}: the text names the discipline 'Fluoroscopy', which has no outline in the "
        "portal (known: BD, BS, CI, CT,"
    )
    assert message.endswith("; give it with --discipline CODE")
