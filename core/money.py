"""Exact conversions between Decimal amounts and the solver's integer hundredths."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def to_hundredths(value: Decimal) -> int:
    """Decimal with at most two places -> integer hundredths (exact)."""
    return int((value * HUNDRED).to_integral_value(rounding=ROUND_HALF_UP))


def from_hundredths(value: int) -> Decimal:
    return (Decimal(value) / HUNDRED).quantize(CENT)


def format_amount(value: Decimal | int | None) -> str:
    """A contract string for money/credits: '24.00', '1.50'."""
    if value is None:
        return ""
    dec = from_hundredths(value) if isinstance(value, int) else Decimal(value).quantize(CENT)
    return f"{dec:.2f}"
