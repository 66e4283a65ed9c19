"""Course rules shared by the catalog import, the admin and the API.

Pure functions over plain values, so each caller (JSON record, admin form, API payload)
reports the same message for the same mistake.

A course with no price is sold only inside packages. It is valid even when no package
includes it (yet) (contract §1): the engine never buys it, it still counts when a
prescription lists it as owned, and a later package makes it buyable. The admin shows
`course_rule_warnings` for it instead of an error.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from catalog.models import DEFAULT_MINUTES_PER_CREDIT, EVENT_FORMATS


def default_hours(ce_credits: Decimal) -> Decimal:
    """Study hours when none are given: one CE credit is at least 50 minutes of learning."""
    return (ce_credits * DEFAULT_MINUTES_PER_CREDIT / 60).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def course_rule_errors(
    *,
    format: str,
    price: Decimal | None,
    ce_credits: Decimal,
    event_date: date | None,
    distribution: Iterable[tuple[str, Decimal]],
) -> dict[str, str]:
    """Return {field: message} for every broken course rule; empty when the course is valid.

    `distribution` is (discipline code, credits) per row.
    """
    errors: dict[str, str] = {}
    if event_date is not None and format not in EVENT_FORMATS:
        errors["event_date"] = (
            f"an event date is only allowed for webinar or live courses, not '{format}'"
        )
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


NOT_SOLD_WARNING = (
    "has no price and is in no package, so it is sold only in a package that is not offered: "
    "the planner never buys it (it still counts for technologists who own it) until a "
    "package includes it or it gets a price"
)


def course_rule_warnings(*, price: Decimal | None, sold_in_package: bool) -> dict[str, str]:
    """Return {field: message} for what is valid but worth telling staff about."""
    if price is None and not sold_in_package:
        return {"price": NOT_SOLD_WARNING}
    return {}


# Course tags (contract §1): topic and approval tags such as "hiv-aids" or
# "category-a-plus" (the vocabulary is in obligations/data/obligation_templates.json
# and docs/csv-format.md).  Lower-case words joined by hyphens; matched by exact string.
TAG_MAX_LENGTH = 50
MAX_TAGS = 30
_TAG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def tag_error(tag: object) -> str | None:
    """Why `tag` is not a valid course tag, or None."""
    if not isinstance(tag, str):
        return "must be a string"
    if not tag.strip():
        return "must not be empty"
    if len(tag) > TAG_MAX_LENGTH:
        return f"must be at most {TAG_MAX_LENGTH} characters"
    if not _TAG_RE.fullmatch(tag):
        return "must be lower-case letters and digits, words joined by hyphens (e.g. hiv-aids)"
    return None


def tags_errors(tags: Sequence[object]) -> list[tuple[int | None, str]]:
    """(position, message) for every bad tag of a list; position None for the list itself
    (too many tags)."""
    errors: list[tuple[int | None, str]] = [
        (i, message) for i, tag in enumerate(tags) if (message := tag_error(tag))
    ]
    if len(tags) > MAX_TAGS:
        errors.append((None, f"at most {MAX_TAGS} tags per course, not {len(tags)}"))
    return errors


def normal_tags(tags: Iterable[str]) -> list[str]:
    """Tags as stored: unique, sorted."""
    return sorted(set(tags))
