"""Read a prescription's text: its discipline, its dates and its credit lines."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .dates import DateCollector, find_dates
from .lines import read_credit_line
from .match import Matcher, normalise
from .model import DisciplineName, Outline, ParsedLine, ParseResult

# A line that labels the discipline ("Discipline: CT", "Exam category: Radiography").
_LABEL = re.compile(
    r"\s*(?P<label>discipline|category|credential|exam)[^:]*:\s*(?P<value>.+)", re.I
)


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")


def stated_discipline(text: str) -> str | None:
    """What the first "Discipline: ..." line says, recognised or not (so a message can
    name a discipline the portal has no outline for)."""
    for line in _lines(text):
        label = _LABEL.match(line)
        if label and label["label"].lower() == "discipline":
            return label["value"].strip()[:80]
    return None


def recognise_discipline(text: str, disciplines: Sequence[DisciplineName]) -> list[DisciplineName]:
    """Disciplines the text names, most explicit first: a labelled code or name
    ("Discipline: CT"), then full names (the longest name wins over one it contains, so
    "Breast Sonography" is not also "Sonography"), then parenthesised codes ("(CT)")."""
    flat = " ".join(normalise(line) for line in _lines(text))
    found: list[DisciplineName] = []

    def add(discipline: DisciplineName) -> None:
        if discipline not in found:
            found.append(discipline)

    by_name = sorted(disciplines, key=lambda d: len(d.name), reverse=True)
    for line in _lines(text):
        label = _LABEL.match(line)
        if not label:
            continue
        value = label["value"].strip()
        for discipline in by_name:
            name = normalise(discipline.name)
            if re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", normalise(value)) or re.match(
                rf"\(?{re.escape(discipline.code)}\)?(?![A-Za-z])", value
            ):
                add(discipline)
                break
    taken: list[tuple[int, int]] = []
    for discipline in by_name:
        name = normalise(discipline.name)
        for hit in re.finditer(rf"(?<![a-z]){re.escape(name)}(?![a-z])", flat):
            if any(start <= hit.start() and hit.end() <= end for start, end in taken):
                continue
            taken.append((hit.start(), hit.end()))
            add(discipline)
    for discipline in disciplines:
        if len(discipline.code) >= 2 and re.search(rf"\({re.escape(discipline.code)}\)", text):
            add(discipline)
    return found


def parse_lines(text: str, outline: Outline) -> ParseResult:
    """Every line with a credit amount, matched against `outline`, and the stated dates."""
    matcher = Matcher(outline)
    collector = DateCollector()
    parsed: list[ParsedLine] = []
    previous = ""  # a line without credits or dates: maybe the start of a wrapped name
    for number, raw in enumerate(_lines(text), start=1):
        line = raw.strip()
        if not line:
            previous = ""
            continue
        found = find_dates(line)
        collector.feed(line, found)
        credit_line = read_credit_line(line)
        if credit_line is None:
            previous = "" if found else line
            continue
        match = matcher.match(credit_line.segments)
        if match.subcategory is None and previous:
            # A name wrapped onto two lines ("Radiation Protection, Equipment Operation,"
            # then "and Quality Assurance   2.00") is read as one.
            joined = matcher.match((f"{previous} {' '.join(credit_line.segments)}",))
            if joined.subcategory is not None:
                match = joined
        previous = ""
        sub = match.subcategory
        parsed.append(
            ParsedLine(
                line=line,
                line_number=number,
                credits=credit_line.credits,
                name_text=credit_line.name_text,
                subcategory=sub.name if sub else None,
                major=sub.major if sub else None,
                score=round(match.score, 1),
                confidence=match.confidence,
                unmatched_reason=match.reason,
                matched_name=match.matched_name,
                runner_up=match.runner_up,
                closest=match.closest,
            )
        )
    return ParseResult(outline.discipline, collector.result(), tuple(parsed))


def parse_prescription(
    text: str, outlines: Sequence[Outline], *, discipline_code: str | None = None
) -> ParseResult:
    """Parse `text` against the outline of `discipline_code`, or of the discipline the
    text names. When the text names several, the one whose outline matches most lines
    wins (the first named on a tie). With no discipline, `discipline` is None and no line
    is read."""
    by_code = {outline.discipline.code: outline for outline in outlines}
    if discipline_code is not None:
        outline = by_code.get(discipline_code)
        if outline is None:
            return ParseResult(None, DateCollector().result())
        return parse_lines(text, outline)
    named = [by_code[d.code] for d in recognise_discipline(text, [o.discipline for o in outlines])]
    if not named:
        return ParseResult(None, DateCollector().result())
    results = [parse_lines(text, outline) for outline in named]
    return max(results, key=lambda result: len(result.matched))  # max keeps the first on ties
