"""Course rules shared by the catalog import, the admin and the API.

Pure functions over plain values, so each caller (JSON record, admin form, API payload)
reports the same message for the same mistake.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from catalog.models import EVENT_FORMATS


def course_rule_errors(
    *,
    format: str,
    price: Decimal | None,
    ce_credits: Decimal,
    event_date: date | None,
    distribution: Iterable[tuple[str, Decimal]],
    sold_in_package: bool,
) -> dict[str, str]:
    """Return {field: message} for every broken course rule; empty when the course is valid.

    `distribution` is (discipline code, credits) per row.
    """
    errors: dict[str, str] = {}
    if event_date is not None and format not in EVENT_FORMATS:
        errors["event_date"] = (
            f"an event date is only allowed for webinar or live courses, not '{format}'"
        )
    if price is None and not sold_in_package:
        errors["price"] = "price may be empty only for a course sold inside a package"
    per_discipline: dict[str, Decimal] = defaultdict(Decimal)
    for discipline, credits in distribution:
        per_discipline[discipline] += credits
    over = sorted(code for code, total in per_discipline.items() if total > ce_credits)
    if over:
        detail = ", ".join(f"{code} {per_discipline[code]}" for code in over)
        errors["distribution"] = (
            f"distribution credits exceed the course's {ce_credits} CE credits ({detail})"
        )
    return errors
