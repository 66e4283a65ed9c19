"""Eligibility, due dates and remaining requirements (contract §4 and §6).

Everything here is plain Python over the Problem; no solver involved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from .model import Course, Problem

# Exclusion reasons, in the order they are checked: a course gets the first that applies.
COMPLETED = "completed"
EXCLUDED_PROVIDER = "excluded provider"
FORMAT = "format"
EVENT_DATE = "event date"  # event before the planning date
DEADLINE = "deadline"  # event after the deadline, or the deadline is already past
APPROVAL_EXPIRED = "approval expired"
NO_REQUIRED_CREDIT = "no required credit"
NOT_SOLD = "not sold"  # no price, in no purchasable package, and not owned
WEEKLY_HOURS = "weekly hours"  # cannot be finished by its due date even when taken alone

TOTAL_CE = "total_ce"
TOTAL_DISCIPLINE = "total_discipline"
MAJOR_PREFIX = "major:"


def due_date(course: Course, deadline: date) -> date:
    """Earliest of the deadline, the approval expiry and the event date (§4.2)."""
    due = deadline
    if course.approval_expires is not None and course.approval_expires < due:
        due = course.approval_expires
    if course.event_date is not None and course.event_date < due:
        due = course.event_date
    return due


def filter_reason(course: Course, problem: Problem) -> str | None:
    """The first catalog/date rule that removes `course`, or None (§4.1 without credit)."""
    if course.code in problem.completed:
        return COMPLETED
    if course.provider in problem.exclude_providers:
        return EXCLUDED_PROVIDER
    if problem.formats is not None and course.format not in problem.formats:
        return FORMAT
    if course.event_date is not None:
        if course.event_date < problem.as_of:
            return EVENT_DATE
        if course.event_date > problem.deadline:
            return DEADLINE
    if course.approval_expires is not None and course.approval_expires < problem.as_of:
        return APPROVAL_EXPIRED
    # Not in the contract's list, but a deadline before the planning date leaves no day on
    # which anything could be completed.
    if problem.deadline < problem.as_of:
        return DEADLINE
    return None


def fits_alone(hours: int, due: date, problem: Problem) -> bool:
    """True when the course alone meets the weekly-hours rule at its due date (§4.3)."""
    h = problem.hours_per_week
    if h is None:
        return True
    return 7 * hours <= h * (due - problem.as_of).days


def extra_targets(problem: Problem) -> dict[str, int]:
    """Extra requirement keys -> credits (before completed). Repeated kinds: the largest."""
    targets: dict[str, int] = {}
    for extra in problem.extras:
        if extra.kind == "major_minimum":
            keys: Iterable[str] = (MAJOR_PREFIX + m for m in sorted(set(problem.majors.values())))
        elif extra.kind in (TOTAL_CE, TOTAL_DISCIPLINE):
            keys = (extra.kind,)
        else:
            raise ValueError(f"unknown extra requirement kind: {extra.kind!r}")
        for key in keys:
            targets[key] = max(targets.get(key, 0), extra.credits)
    return targets


def all_targets(problem: Problem) -> dict[str, int]:
    """Every requirement key (subcategories first, then extras) -> prescribed credits."""
    targets = dict(problem.required)
    targets.update(extra_targets(problem))
    return targets


class Contributions:
    """Computes what one course gives towards each requirement key (uncapped)."""

    def __init__(self, problem: Problem) -> None:
        self._required = problem.required
        extras = extra_targets(problem)
        self._ce = TOTAL_CE in extras
        self._discipline = TOTAL_DISCIPLINE in extras
        self._majors: Mapping[str, str] = (
            problem.majors if any(k.startswith(MAJOR_PREFIX) for k in extras) else {}
        )
        self._only_required = not (self._ce or self._discipline or self._majors)

    def rows(self, course: Course, row_of: Mapping[str, int]) -> list[tuple[int, int]]:
        """(row, credit) for the keys in `row_of` the course gives a positive credit to."""
        if self._only_required:  # the common case, kept lean for 50,000-course catalogs
            return [(row_of[s], a) for s, a in course.credits.items() if a > 0 and s in row_of]
        return [(row_of[k], v) for k, v in self.of(course).items() if v > 0 and k in row_of]

    def of(self, course: Course) -> dict[str, int]:
        out: dict[str, int] = {}
        total = 0
        for sub, amount in course.credits.items():
            total += amount
            if sub in self._required:
                out[sub] = amount
            major = self._majors.get(sub)
            if major is not None:
                key = MAJOR_PREFIX + major
                out[key] = out.get(key, 0) + amount
        if self._discipline:
            out[TOTAL_DISCIPLINE] = total
        if self._ce:
            out[TOTAL_CE] = course.ce_credits
        return out


def remaining_requirements(problem: Problem, contrib: Contributions) -> dict[str, int]:
    """Requirement per key after the completed courses, never below zero (§4.4, §6)."""
    remaining = all_targets(problem)
    for course in problem.courses:
        if course.code in problem.completed:
            for key, amount in contrib.of(course).items():
                if key in remaining:
                    remaining[key] -= amount
    return {key: max(0, value) for key, value in remaining.items()}


def sold_codes(problem: Problem) -> set[str]:
    """Course codes that can be acquired at all: priced, owned, or in an allowed package."""
    sold = {c.code for c in problem.courses if c.price is not None}
    sold.update(problem.owned)
    for package in problem.packages:
        if package.provider not in problem.exclude_providers:
            sold.update(package.courses)
    return sold
