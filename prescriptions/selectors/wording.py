"""Date and number wording shared by the pages, the PDF and the calendar (one style)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

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
