"""The parser's test corpus (tests/unit/parsing/corpus/: NAME.txt or NAME.pdf.html + NAME.json
expected answers) and its accuracy: lines matched correctly, wrongly matched, missed.

Used by tests/unit/parsing/test_corpus.py and bench/parser_accuracy.py. The outlines are the
shipped ones (catalog/data/arrt_outlines.json, `cqr-outlines/1`) as the parser's plain data, so this
runs without a database; tests/integration/parsing/test_command.py checks that the database
gives the parser the same outline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from catalog.outline_dates import in_force, in_sequence
from prescriptions.parsing import (
    DisciplineName,
    Outline,
    OutlineSubcategory,
    ParseResult,
    parse_prescription,
    pdf_text,
)

ROOT = Path(__file__).resolve().parents[3]
CORPUS = Path(__file__).resolve().parent / "corpus"
SHIPPED = ROOT / "catalog" / "data" / "arrt_outlines.json"


@dataclass(frozen=True)
class _Version:
    """One outline version of the shipped file, as `catalog.outline_dates` reads it."""

    pk: int
    effective_from: date | None
    effective_until: date | None
    version: str
    record: dict[str, Any]
    adopted_at: None = None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def shipped_outlines(*, today: date | None = None) -> list[Outline]:
    """Each discipline's version in force today, with the names the catalog also resolves:
    its aliases, and older versions' names not in it (kept under their own name, as the
    database's `outlines_for_parsing` gives them)."""
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    by_code: dict[str, list[_Version]] = {}
    for pk, record in enumerate(data["outlines"]):
        by_code.setdefault(record["discipline"], []).append(
            _Version(
                pk,
                _day(record.get("effective_from")),
                _day(record.get("effective_until")),
                str(record.get("version", "")),
                record,
            )
        )
    outlines = []
    for code, versions in by_code.items():
        current = in_force(versions, today or date.today())
        assert current is not None
        ordered = in_sequence(versions)
        older = [v for v in reversed(ordered) if v is not current]
        current_names = [(c["name"], c["major"]) for c in current.record["categories"]]
        known = {name for name, _ in current_names}
        entries: dict[str, tuple[str, list[str]]] = {
            name: (major, []) for name, major in current_names
        }
        for version in [current, *older]:
            for category in version.record["categories"]:
                if category["name"] not in entries:
                    entries[category["name"]] = (category["major"], [])
        for version in [current, *older]:
            for alias, target in version.record.get("aliases", {}).items():
                others = entries.get(target, ("", []))[1]
                if alias not in known and alias not in others:
                    others.append(alias)
        subs = tuple(
            OutlineSubcategory(name, major, tuple(others))
            for name, (major, others) in entries.items()
        )
        majors = tuple(
            sorted(
                {c["major"] for v in versions for c in v.record["categories"]},
            )
        )
        outlines.append(Outline(DisciplineName(code, current.record["name"]), subs, majors))
    return outlines


@dataclass
class Tally:
    correct: int = 0  # expected a subcategory, got it
    wrong: int = 0  # got a subcategory other than the expected one (or where none fits)
    missed: int = 0  # expected a subcategory, the line came out unmatched or not at all
    rightly_unmatched: int = 0  # no subcategory fits, and the line came out unmatched
    spurious: int = 0  # a line read as a prescription line that is none
    date_errors: int = 0
    credit_errors: int = 0
    discipline_errors: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in (
            "correct", "wrong", "missed", "rightly_unmatched", "spurious",
            "date_errors", "credit_errors", "discipline_errors", "files",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.problems.extend(other.problems)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def score_file(name: str, result: ParseResult, expected: dict[str, Any]) -> Tally:
    tally = Tally(files=1)
    code = result.discipline.code if result.discipline else None
    if code != expected["discipline"]:
        tally.discipline_errors += 1
        tally.problems.append(f"{name}: discipline {code}, expected {expected['discipline']}")
    for key, stated in (("deadline", result.dates.deadline), ("issued_on", result.dates.issued_on)):
        if stated != _date(expected.get(key)):
            tally.date_errors += 1
            tally.problems.append(f"{name}: {key} {stated}, expected {expected.get(key)}")
    read = list(result.lines)
    for row in expected["lines"]:
        # Text files name the exact line; PDFs (whose extracted spacing varies) a part of it.
        label = row.get("line") or row["line_contains"]
        got = next(
            (
                line
                for line in read
                if (
                    line.line == row["line"] if "line" in row else row["line_contains"] in line.line
                )
            ),
            None,
        )
        want = row["category"]
        if got is None:
            if want is not None:
                tally.missed += 1
            tally.problems.append(f"{name}: line not read: {label!r}")
            continue
        read.remove(got)
        if got.credits != Decimal(row["credits"]):
            tally.credit_errors += 1
            tally.problems.append(f"{name}: credits {got.credits} for {label!r}")
        if got.subcategory == want and want is not None:
            tally.correct += 1
        elif got.subcategory is None and want is None:
            tally.rightly_unmatched += 1
        elif got.subcategory is None:
            tally.missed += 1
            tally.problems.append(
                f"{name}: missed {label!r} ({got.unmatched_reason}, score {got.score})"
            )
        else:
            tally.wrong += 1
            tally.problems.append(f"{name}: WRONG {label!r} -> {got.subcategory}")
    for line in read:
        tally.spurious += 1
        tally.problems.append(f"{name}: spurious line {line.line!r}")
    return tally


def corpus_texts() -> list[tuple[str, str, dict[str, Any]]]:
    """(name, text, expected) of the text files; PDFs are built and read by the tests."""
    cases = []
    for path in sorted(CORPUS.glob("*.txt")):
        expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        cases.append((path.stem, path.read_text(encoding="utf-8"), expected))
    return cases


def corpus_pdfs() -> list[tuple[str, str, dict[str, Any]]]:
    """(name, extracted text, expected) of the PDFs (built from NAME.pdf.html by
    tests/unit/parsing/make_pdfs.py and committed)."""
    cases = []
    for path in sorted(CORPUS.glob("*.pdf")):
        expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        cases.append((path.stem, pdf_text(path.read_bytes()), expected))
    return cases


def evaluate(cases: list[tuple[str, str, dict[str, Any]]]) -> Tally:
    outlines = shipped_outlines()
    total = Tally()
    for name, text, expected in cases:
        result = parse_prescription(text, outlines, discipline_code=expected.get("discipline_flag"))
        total.add(score_file(name, result, expected))
    return total
