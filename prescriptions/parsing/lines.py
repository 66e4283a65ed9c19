"""One line of prescription text: is it a prescription line, what are its credits, and
what text names the subcategory."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .dates import find_dates

# A credit amount: 1, 1.5, 1.50, .75 — never part of a longer number, an ID or a code.
_NUMBER = r"(?<![\w.,/#-])(?P<num>\d{1,2}(?:\.\d{1,2})?|\.\d{1,2})(?![\w/-]|\.\d|,\d)"
_UNIT = (
    r"(?:(?:cqr|ce|arrt)\s+)?(?:credit\s+hours?|credits?|cr(?:s|ed)?\b\.?|ceus?\b|hours?|hrs?\b\.?)"
)
_WITH_UNIT_AFTER = re.compile(_NUMBER + r"\s*" + _UNIT, re.IGNORECASE)
_WITH_UNIT_BEFORE = re.compile(
    r"(?:(?:required\s+)?(?:cqr\s+|ce\s+)?credits?(?:\s+required)?|cr\.?)\s*[:=]?\s*" + _NUMBER,
    re.IGNORECASE,
)
_BARE = re.compile(_NUMBER)

_PAGE = re.compile(r"^\W*\d+\s*(?:of|/)\s*\d+\W*$", re.I)
_PAGE_SPAN = re.compile(r"\bpage\s+\d+(?:\s*(?:of|/)\s*\d+)?", re.I)
# Identifiers: "ARRT ID 123456", "ID #: 12", "Certificate No. 45", "Member number 77".
_IDENTIFIER = re.compile(
    r"\b(?:id|no|number|#|code|ref(?:erence)?|phone|tel|fax|zip|version)\b\.?\s*[:#]?\s*#?\s*[\w.-]*\d[\w.-]*",
    re.IGNORECASE,
)
_TOTAL_OR_PROSE = re.compile(r"\b(?:total|sum|subtotal|you|your|we|our)\b", re.IGNORECASE)

_MARKER = re.compile(
    r"^\s*(?:[•●◦▪▫■□○‣⁃∙·*+>~-]|–|—|\(?\d{1,2}[.)](?=\s)|\(?[a-zA-Z][.)](?=\s)|\(?[ivxIVX]{1,4}[.)](?=\s))\s*"
)
_LEADERS = re.compile(r"(?:\s*(?:\.\s?){2,}|…+|_{2,}|·{2,}|-{3,}|={2,})\s*")
# Column and field separators: tabs, runs of spaces, pipes, dashes with spaces around, colons.
_SEPARATOR = re.compile(r"\t+| {2,}|\s*[|¦]\s*|\s+[-–—:]+\s+|:\s+|\s*[–—]\s*|\s*;\s*")


@dataclass(frozen=True)
class CreditLine:
    credits: Decimal
    segments: tuple[str, ...]  # the text around the credit amount, split at separators

    @property
    def name_text(self) -> str:
        return " – ".join(self.segments)


def is_page_number(line: str) -> bool:
    return bool(_PAGE.match(line))


def _strip_markers(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _MARKER.sub("", text, count=1)
    return text


def read_credit_line(line: str) -> CreditLine | None:
    """The credits and name segments of a line, or None when it carries no credit amount
    (or only numbers that are dates, page numbers, identifiers or totals)."""
    if is_page_number(line):
        return None
    text = line
    for found in reversed(find_dates(text)):
        text = text[: found.start] + " " + text[found.end :]
    text = _PAGE_SPAN.sub(" ", text)
    text = _IDENTIFIER.sub(" ", text)
    text = _strip_markers(text)
    match = _WITH_UNIT_AFTER.search(text) or _WITH_UNIT_BEFORE.search(text)
    if match is None:
        match = _BARE.search(text)
    if match is None:
        return None
    credits = Decimal(match.group("num")).quantize(Decimal("0.01"))
    if credits == 0:  # a subcategory with nothing owed is no requirement
        return None
    rest = text[: match.start()] + "\t" + text[match.end() :]
    # Further numbers (earned / remaining columns) and stray units are not part of the name.
    rest = _WITH_UNIT_AFTER.sub("\t", rest)
    rest = _BARE.sub("\t", rest)
    rest = re.sub(r"\(\s*\)|\[\s*\]", " ", rest)
    rest = _LEADERS.sub("\t", rest)
    segments = tuple(
        cleaned
        for part in _SEPARATOR.split(rest)
        if (cleaned := _strip_markers(part).strip(" .,:;()[]-–—*"))
        and re.search(r"[^\W\d_]", cleaned)
    )
    if not segments:
        return None
    if _TOTAL_OR_PROSE.search(" ".join(segments)):
        return None
    return CreditLine(credits, segments)
