"""Prescription lines the outline does not know (yet): read from a document's optional
`unmatched` key (what `parse_prescription --json` prints, or a technologist's own
"not in our outline yet" lines), kept with the prescription and resolved by site staff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.exceptions import ErrorDetail
from prescriptions.documents import PrescriptionInputError, parse_amount
from prescriptions.parsing.lines import read_credit_line

NAME_MAX = 200


@dataclass(frozen=True)
class UnmatchedSpec:
    name: str  # the subcategory as ARRT wrote it
    credits: Decimal
    line: str = ""  # the original line, when it came from text


def unmatched_name_key(name: str) -> str:
    """Names that differ only in case and spacing are one name in the staff queue."""
    return " ".join(name.split()).casefold()


def unmatched_from_document(document: Mapping[str, Any]) -> tuple[UnmatchedSpec, ...]:
    """The `unmatched` rows: `{"category": name, "credits"}` or `{"line", "credits"}` (the
    name is then read from the line). PrescriptionInputError names each bad field."""
    rows = document.get("unmatched", [])
    if rows is None:
        return ()
    if not isinstance(rows, list):
        raise PrescriptionInputError.at("unmatched", "must be a list of {category, credits}")
    errors: list[ErrorDetail] = []
    specs: list[UnmatchedSpec] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            errors.append(
                ErrorDetail.at_path(
                    f"unmatched[{i}]", "must be an object with category (or line) and credits"
                )
            )
            continue
        line = row.get("line") or ""
        name = row.get("category")
        if not isinstance(line, str):
            errors.append(ErrorDetail.at_path(f"unmatched[{i}].line", "must be text"))
            continue
        if name is None and line:
            read = read_credit_line(line)
            name = read.name_text if read else line
        if not isinstance(name, str) or not name.strip():
            errors.append(
                ErrorDetail.at_path(
                    f"unmatched[{i}].category", "must name the subcategory as written"
                )
            )
            continue
        if len(name.strip()) > NAME_MAX:
            errors.append(
                ErrorDetail.at_path(f"unmatched[{i}].category", f"at most {NAME_MAX} characters")
            )
            continue
        credits = parse_amount(row.get("credits"))
        if credits is None or credits <= 0:
            errors.append(
                ErrorDetail.at_path(
                    f"unmatched[{i}].credits",
                    "must be a positive number with at most 2 decimal places",
                )
            )
            continue
        specs.append(UnmatchedSpec(" ".join(name.split()), credits, line.strip()))
    if errors:
        raise PrescriptionInputError(errors)
    return tuple(specs)
