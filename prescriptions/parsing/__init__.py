"""Prescription text parser: reads a prescription as a technologist copied it from ARRT's
site (or ARRT's PDF), with the outline as plain data.  Pure Python: no Django imports.

    result = parse_prescription(text, outlines)            # discipline named in the text
    result = parse_prescription(text, outlines, discipline_code="CT")
"""

from .dates import find_dates
from .match import MARGIN, THRESHOLD, normalise
from .model import (
    Confidence,
    DisciplineName,
    Outline,
    OutlineSubcategory,
    ParsedDates,
    ParsedLine,
    ParseResult,
    Unmatched,
)
from .parse import parse_lines, parse_prescription, recognise_discipline, stated_discipline
from .pdf import PdfTextError, pdf_text

__all__ = [
    "MARGIN",
    "THRESHOLD",
    "Confidence",
    "DisciplineName",
    "Outline",
    "OutlineSubcategory",
    "ParseResult",
    "ParsedDates",
    "ParsedLine",
    "PdfTextError",
    "Unmatched",
    "find_dates",
    "normalise",
    "parse_lines",
    "parse_prescription",
    "pdf_text",
    "recognise_discipline",
    "stated_discipline",
]
