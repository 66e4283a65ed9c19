"""Prescription text (pasted, .txt or .pdf) → a parse result and a cqr-prescription/1
proposal, with the outlines of the database as the parser's plain data.

Nothing here writes: the proposal is confirmed by the user (or printed by the
`parse_prescription` command) before anything is saved.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from catalog.models import Discipline, MajorCategory, Subcategory
from catalog.selectors import discipline_code_match, subcategory_indexes
from core.exceptions import ErrorDetail
from prescriptions.parsing import (
    DisciplineName,
    Outline,
    OutlineSubcategory,
    ParseResult,
    PdfTextError,
    parse_prescription,
    pdf_text,
    stated_discipline,
)

PDF_MAGIC = b"%PDF-"


class PrescriptionTextError(ValueError):
    """The file or text cannot be read as a prescription; `detail` says why, its record
    the file's name when the file is the problem ("" for the text).
    `about_discipline`: the discipline is what is missing or unknown."""

    def __init__(self, message: str, *, file: str = "", about_discipline: bool = False) -> None:
        self.detail = ErrorDetail(file, "", message)
        super().__init__(self.detail.as_text())
        self.about_discipline = about_discipline


def outlines_for_parsing(*, discipline_codes: list[str] | None = None) -> list[Outline]:
    """Each discipline's current outline as plain data, with every other name that
    resolves to a subcategory (aliases, older versions' names) as that subcategory's
    other names — the catalog's own resolution (`subcategory_indexes`) decides which."""
    indexes = subcategory_indexes(discipline_codes=discipline_codes)
    disciplines = dict(Discipline.objects.filter(code__in=indexes).values_list("code", "name"))
    ids = {sub_id for index in indexes.values() for sub_id in index.older.values()}
    ids |= {sub_id for index in indexes.values() for sub_id in index.aliases.values()}
    ids |= {sub_id for index in indexes.values() for sub_id in index.current.values()}
    rows = (
        Subcategory.objects.filter(pk__in=ids)
        .order_by("major__position", "position", "name")
        .values_list("id", "name", "major__name")
    )
    by_id = {sub_id: (name, major) for sub_id, name, major in rows}
    majors: dict[str, set[str]] = defaultdict(set)
    for code, name in MajorCategory.objects.filter(
        outline__discipline__code__in=indexes
    ).values_list("outline__discipline__code", "name"):
        majors[code].add(name)
    outlines = []
    for code, index in sorted(indexes.items()):
        if index.current_outline_id is None:
            continue
        others: dict[int, list[str]] = defaultdict(list)
        for names in (index.aliases, index.older):
            for other, sub_id in names.items():
                if other not in index.current and other not in others[sub_id]:
                    others[sub_id].append(other)
        order = [sub_id for sub_id in by_id if sub_id in set(index.current.values())]
        # Older names that map to no current subcategory stay matchable under their own name.
        order += [sub_id for sub_id in others if sub_id not in order and sub_id in by_id]
        subcategories = tuple(
            OutlineSubcategory(
                name=by_id[sub_id][0],
                major=by_id[sub_id][1],
                other_names=tuple(n for n in others[sub_id] if n != by_id[sub_id][0]),
            )
            for sub_id in order
        )
        outlines.append(
            Outline(
                DisciplineName(code, disciplines.get(code, code)),
                subcategories,
                tuple(sorted(majors[code])),
            )
        )
    return outlines


def prescription_text_from_file(*, name: str, data: bytes) -> str:
    """The text of an uploaded or given file: a PDF (by content) or UTF-8 text."""
    if not data.strip():
        raise PrescriptionTextError("the file is empty", file=name)
    if data.lstrip()[:5] == PDF_MAGIC:
        try:
            text = pdf_text(data)
        except PdfTextError as exc:
            raise PrescriptionTextError(str(exc), file=name) from exc
        if not text.strip():
            raise PrescriptionTextError(
                "the PDF has no text layer (a scan?); copy the text from ARRT's site", file=name
            )
        return text
    if name.lower().endswith(".pdf"):
        raise PrescriptionTextError("not a PDF file (it does not start with %PDF-)", file=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PrescriptionTextError(
            f"not UTF-8 text (byte {exc.start} cannot be decoded); save it as UTF-8 "
            "or upload the PDF",
            file=name,
        ) from exc
    if "\x00" in text:
        raise PrescriptionTextError("a binary file, not text or PDF", file=name)
    return text


def prescription_text_parse(*, text: str, discipline_code: str | None = None) -> ParseResult:
    """Parse prescription text against the database's outlines.

    PrescriptionTextError when the discipline is unknown or not recognisable, or when no
    line carries a credit amount."""
    if not text.strip():
        raise PrescriptionTextError("the text is empty")
    outlines = outlines_for_parsing()
    codes = {o.discipline.code for o in outlines}
    known = f"(known: {', '.join(sorted(codes))})"
    if discipline_code is not None:
        code = discipline_code_match(discipline_code, codes)  # `ct` means CT
        if code is None:
            raise PrescriptionTextError(
                f"discipline {discipline_code!r} has no outline in the portal {known}",
                about_discipline=True,
            )
        discipline_code = code
    result = parse_prescription(text, outlines, discipline_code=discipline_code)
    if result.discipline is None:
        stated = stated_discipline(text)
        if stated:
            message = (
                f"the text names the discipline {stated!r}, which has no outline in the "
                f"portal {known}"
            )
        else:
            message = (
                "no discipline named in the text (by code, e.g. 'Discipline: CT', or by name, "
                "e.g. 'Computed Tomography')"
            )
        raise PrescriptionTextError(message, about_discipline=True)
    if not result.lines:
        raise PrescriptionTextError(
            f"no prescription line found: no line carries a credit amount "
            f"(discipline {result.discipline.code})"
        )
    return result


def parse_result_document(result: ParseResult) -> dict[str, Any]:
    """The `cqr-prescription/1` proposal of §7: required (portal spelling + original
    line), unmatched, and the dates the text states."""
    assert result.discipline is not None
    document: dict[str, Any] = {
        "format": "cqr-prescription/1",
        "discipline": result.discipline.code,
    }
    if result.dates.issued_on is not None:
        document["issued_on"] = result.dates.issued_on.isoformat()
    if result.dates.deadline is not None:
        document["deadline"] = result.dates.deadline.isoformat()
    document["required"] = [
        {"category": line.subcategory, "credits": f"{line.credits:.2f}", "line": line.line}
        for line in result.lines
        if line.subcategory is not None
    ]
    document["unmatched"] = [
        {"line": line.line, "credits": f"{line.credits:.2f}"}
        for line in result.lines
        if line.subcategory is None
    ]
    return document


def parse_result_lines(result: ParseResult) -> list[dict[str, Any]]:
    """Every line read, for a person or a client to review: what it matched, how sure (in
    words), and why a line is unmatched."""
    return [
        {
            "line_number": line.line_number,
            "line": line.line,
            "credits": f"{line.credits:.2f}",
            "name_as_written": line.name_text,
            "category": line.subcategory,
            "major": line.major,
            "score": line.score,
            "confidence": line.confidence.label if line.confidence else None,
            "unmatched_reason": line.unmatched_reason.value if line.unmatched_reason else None,
            "closest": line.closest,
        }
        for line in result.lines
    ]
