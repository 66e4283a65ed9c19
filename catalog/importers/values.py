"""Readers for the JSON values of the exchange formats, and the error list they feed.

Each reader takes the raw JSON value and returns a clean Python value or raises
`FieldError` with a message that says what is wrong (the caller adds record and field).
Amounts arrive as JSON numbers (parsed as `Decimal`, never float) or decimal strings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from core.exceptions import ErrorDetail
from core.money import CENT

MAX_AMOUNT_DIGITS = 7  # DecimalField(max_digits=9, decimal_places=2): up to 9,999,999.99
_AMOUNT_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SLUG_RE = re.compile(r"[-a-zA-Z0-9_]+")
_SPACE_RE = re.compile(r"\s")


class FieldError(ValueError):
    """A JSON value that does not fit its field; the message reads after 'field: '."""


def show(value: object) -> str:
    """A short JSON-ish rendering of a bad value for an error message."""
    if isinstance(value, Decimal):
        text = str(value)
    else:
        try:
            text = json.dumps(value, default=str, ensure_ascii=False)
        except ValueError:  # circular structures cannot come from JSON, but be safe
            text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def read_amount(value: object) -> Decimal:
    """An exact amount with at most 2 decimal places (sign not checked here)."""
    if isinstance(value, bool) or value is None:
        raise FieldError(f"must be a number or a decimal string, not {show(value)}")
    try:
        if isinstance(value, int | Decimal):
            amount = Decimal(value)
        elif isinstance(value, float):  # only when a caller parsed JSON without parse_float
            amount = Decimal(repr(value))
        elif isinstance(value, str) and _AMOUNT_RE.fullmatch(value.strip()):
            amount = Decimal(value.strip())
        else:
            raise FieldError(f"must be a number or a decimal string, not {show(value)}")
    except InvalidOperation as exc:
        raise FieldError(f"is not a number: {show(value)}") from exc
    if not amount.is_finite():
        raise FieldError(f"is not a finite number: {show(value)}")
    if amount and amount.adjusted() >= MAX_AMOUNT_DIGITS:
        raise FieldError(f"is too large: {show(value)} (at most 9999999.99)")
    rounded = amount.quantize(CENT)
    if rounded != amount:
        raise FieldError(f"has more than 2 decimal places: {show(value)}")
    return rounded


def read_positive(value: object) -> Decimal:
    amount = read_amount(value)
    if amount <= 0:
        raise FieldError(f"must be greater than 0, not {show(value)}")
    return amount


def read_not_negative(value: object) -> Decimal:
    amount = read_amount(value)
    if amount < 0:
        raise FieldError(f"must not be negative, not {show(value)}")
    return amount


def read_text(value: object, *, max_length: int, required: bool = True) -> str:
    """A string; `required` rejects missing, null and blank values, otherwise they give ''."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        what = "is required" if value is None else f"must be a string, not {show(value)}"
        raise FieldError(what)
    if required and not value.strip():
        raise FieldError("must not be empty")
    if len(value) > max_length:
        raise FieldError(f"is longer than {max_length} characters")
    return value


def read_slug(value: object, *, max_length: int) -> str:
    text = read_text(value, max_length=max_length)
    if not _SLUG_RE.fullmatch(text):
        raise FieldError(f"may contain only letters, digits, '-' and '_', not {show(value)}")
    return text


def read_url(value: object, *, max_length: int) -> str:
    """'' or an absolute http(s) URL with a host and no spaces.

    Deliberately lighter than Django's URLValidator (a third of a 50,000-course import's
    time); it still rules out other schemes (javascript:, data:) and relative links.
    """
    text = read_text(value, max_length=max_length, required=False)
    if not text:
        return text
    try:
        parts = urlsplit(text)
        valid = parts.scheme in {"http", "https"} and bool(parts.hostname)
    except ValueError:  # e.g. a malformed IPv6 host or port
        valid = False
    if not valid or _SPACE_RE.search(text):
        raise FieldError(f"is not a valid http(s) URL: {show(value)}")
    return text


def read_date(value: object) -> date | None:
    """An ISO YYYY-MM-DD date, or None for a missing/null value."""
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise FieldError(f"must be an ISO date YYYY-MM-DD, not {show(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise FieldError(f"is not a valid date: {show(value)}") from exc


def read_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise FieldError(f"must be true or false, not {show(value)}")
    return value


@dataclass
class ErrorList:
    """Error details sorted by where they occur in the file, shown up to `limit`."""

    limit: int = 50
    _items: list[tuple[tuple[int, int, int], ErrorDetail]] = field(default_factory=list)

    def add(self, position: tuple[int, int], detail: ErrorDetail) -> None:
        """`position` is (section rank, record index); equal positions keep their order."""
        self._items.append(((*position, len(self._items)), detail))

    def fail(self, position: tuple[int, int], record: str, field: str, message: str) -> None:
        """Add the mistake `message` in `field` of `record` (field "": the whole record)."""
        self.add(position, ErrorDetail(record, field, message))

    def __bool__(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def details(self) -> list[ErrorDetail]:
        ordered = [detail for _, detail in sorted(self._items, key=lambda item: item[0])]
        if len(ordered) > self.limit:
            rest = len(ordered) - self.limit
            return [*ordered[: self.limit], ErrorDetail("", "", f"... and {rest} more")]
        return ordered
