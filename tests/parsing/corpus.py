"""The parser's test corpus (tests/parsing/corpus/: NAME.txt or NAME.pdf.html + NAME.json
expected answers) and its accuracy: lines matched correctly, wrongly matched, missed.

Used by tests/parsing/test_corpus.py and bench/parser_accuracy.py. The outlines are the
shipped ones (catalog/data/arrt_content_outlines.json) as the parser's plain data, so this
runs without a database; tests/parsing/test_command.py checks that the database gives the
parser the same outline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from prescriptions.parsing import (
    DisciplineName,
    Outline,
    OutlineSubcategory,
    ParseResult,
    parse_prescription,
    pdf_text,
)

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus"
SHIPPED = ROOT / "catalog" / "data" / "arrt_content_outlines.json"


def shipped_outlines() -> list[Outline]:
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    outlines = []
    for disc in data["disciplines"]:
        aliases: dict[str, list[str]] = {}
        for alias, target in disc.get("aliases", {}).items():
            aliases.setdefault(target, []).append(alias)
        subs = tuple(
            OutlineSubcategory(name, cat["name"], tuple(aliases.get(name, ())))
            for cat in disc["categories"]
            for name in cat["subcategories"]
        )
        majors = tuple(cat["name"] for cat in disc["categories"])
        outlines.append(Outline(DisciplineName(disc["code"], disc["name"]), subs, majors))
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
    tests/parsing/make_pdfs.py and committed)."""
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
