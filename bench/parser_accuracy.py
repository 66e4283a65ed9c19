"""Accuracy of the prescription-text parser on its corpus (tests/unit/parsing/corpus/).

Per line that carries credits: matched correctly, matched wrongly (a wrong subcategory,
or one where none fits), missed (a subcategory fits but the line came out unmatched), and
rightly unmatched (near misses and major categories alone). Also dates, discipline and
per-layout problems. Run: .venv/bin/python bench/parser_accuracy.py
Writes bench/results/parser_accuracy.md.
"""

from __future__ import annotations

import platform
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from prescriptions.parsing import MARGIN, THRESHOLD  # noqa: E402
from tests.unit.parsing.corpus import corpus_pdfs, corpus_texts, evaluate  # noqa: E402

OUT = ROOT / "bench" / "results" / "parser_accuracy.md"


def main() -> None:
    texts, pdfs = corpus_texts(), corpus_pdfs()
    rows = []
    started = time.perf_counter()
    for label, cases in (("text files", texts), ("PDFs", pdfs), ("all", texts + pdfs)):
        tally = evaluate(cases)
        named = tally.correct + tally.missed + tally.wrong
        credit_lines = named + tally.rightly_unmatched
        rows.append(
            f"| {label} | {tally.files} | {credit_lines} "
            f"| {tally.correct} | {tally.wrong} | {tally.missed} | {tally.rightly_unmatched} "
            f"| {tally.spurious} | {tally.correct / named:.1%} | {tally.date_errors} "
            f"| {tally.discipline_errors} |"
        )
    elapsed = time.perf_counter() - started
    problems = evaluate(texts + pdfs).problems
    lines = [
        "# Prescription-text parser: accuracy on the corpus",
        "",
        f"Python {platform.python_version()}; {date.today().isoformat()}; "
        f"threshold {THRESHOLD:g}, margin {MARGIN:g} (rapidfuzz ratio / token-sort ratio). "
        f"Corpus: tests/unit/parsing/corpus/ ({len(texts)} text files, {len(pdfs)} PDFs made with "
        "WeasyPrint), outlines as shipped. Written by the same person as the parser, so "
        "treat it as a regression floor, not an independent measure.",
        "",
        "| set | files | credit lines | correct | wrong | missed | rightly unmatched | spurious "
        "| correct / lines naming a subcategory | date errors | discipline errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Three evaluations took {elapsed:.2f} s.",
        "",
        "Problems (missed, wrong, spurious lines, dates):",
        "",
        *(f"- {problem}" for problem in problems),
        *(["- none"] if not problems else []),
        "",
    ]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
