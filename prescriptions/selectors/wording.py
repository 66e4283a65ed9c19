"""Date and number wording shared by the pages, the PDF and the calendar (one style)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.utils import timezone

from core.exceptions import ErrorDetail

ZERO = Decimal("0.00")


def human_date(value: date | None) -> str:
    """'Dec 31, 2027' (the pages' date style); empty for None."""
    if value is None:
        return ""
    return f"{value:%b} {value.day}, {value.year}"


def amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):.2f}"


def today() -> date:
    return timezone.localdate()


# The keys of a cqr-prescription/1 document as the import page names them.
DOCUMENT_KEYS = {
    "document": "The document",
    "format": "Format",
    "discipline": "Discipline",
    "kind": "Kind",
    "issued_on": "Issue date",
    "deadline": "Deadline",
    "as_of": "Planning date",
    "hours_per_week": "Hours per week",
    "biennium_ends_on": "End of the biennium",
    "required": "Required credits",
    "completed": "Completed courses",
    "owned": "Courses you own",
    "formats": "Formats",
    "exclude_providers": "Excluded providers",
    "extra": "Other requirements",
    "unmatched": "Lines not in the outline",
}
DOCUMENT_SUBKEYS = {"category": "subcategory"}
_ERROR_PATH = re.compile(r"(?P<key>\w+)(?:\[(?P<index>\d+)\])?(?:\.(?P<sub>\w+))?$")
_ROW_REFERENCE = re.compile(r"\b(?P<key>\w+)\[(?P<index>\d+)\]")


def document_error_words(detail: ErrorDetail) -> str:
    """A document error in the user's words: `required[0].category: unknown category
    "Foo"` -> `Required credits, line 1, subcategory: unknown subcategory "Foo"` (lines
    counted from 1, as the user reads the list)."""
    text = detail.message
    match = _ERROR_PATH.match(detail.where())
    if match is None or match["key"] not in DOCUMENT_KEYS:
        return detail.as_text()
    words = [DOCUMENT_KEYS[match["key"]]]
    if match["index"] is not None:
        words.append(f"line {int(match['index']) + 1}")
    if match["sub"]:
        words.append(DOCUMENT_SUBKEYS.get(match["sub"], match["sub"].replace("_", " ")))
    text = _ROW_REFERENCE.sub(lambda m: _row_words(m, same=match["key"]), text)
    text = text.replace("unknown category", "unknown subcategory")
    for key, label in DOCUMENT_KEYS.items():
        if "_" in key:  # issued_on, as_of...: names no user would read as words
            text = re.sub(rf"\b{key}\b", f"the {label.lower()}", text)
    return f"{', '.join(words)}: {text}"


def _row_words(reference: re.Match[str], *, same: str) -> str:
    line = f"line {int(reference['index']) + 1}"
    if reference["key"] == same or reference["key"] not in DOCUMENT_KEYS:
        return line
    return f"{DOCUMENT_KEYS[reference['key']].lower()} {line}"
