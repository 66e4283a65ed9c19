"""Eligibility, due dates and remaining requirements (contract §4 and §6).

Everything here is plain Python over the Problem; no solver involved.

Every requirement has a key (a subcategory name, or an extra's label / default key) and a
deadline: the prescription's for its `required` categories, the extra's own (default the
prescription's) for an extra.  A course counts toward a requirement only when it can be
completed by that requirement's deadline, so its due date depends on the requirement
(`due_for`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from core.requirement_keys import (
    MAJOR_MINIMUM,
    TAG_MINIMUM,
    TOTAL_CE,
    TOTAL_DISCIPLINE,
    requirement_key,
)

from .model import Course, Extra, Problem

# Exclusion reasons, in the order they are checked: a course gets the first that applies.
COMPLETED = "completed"
EXCLUDED_PROVIDER = "excluded provider"
FORMAT = "format"
EVENT_DATE = "event date"  # event before the planning date
DEADLINE = "deadline"  # event after every deadline, or the deadlines are already past
APPROVAL_EXPIRED = "approval expired"
NO_REQUIRED_CREDIT = "no required credit"
NOT_SOLD = "not sold"  # no price, in no purchasable package, and not owned
WEEKLY_HOURS = "weekly hours"  # cannot be finished by its due date even when taken alone

# The extra kinds and their keys are core.requirement_keys (pure; prescriptions use it too).

# What a requirement measures of a course.
SUBCATEGORY, CE, DISCIPLINE, MAJOR, TAGS = "sub", "ce", "discipline", "major", "tags"


@dataclass(frozen=True)
class Requirement:
    key: str
    credits: int  # prescribed, before completed courses
    deadline: date
    measure: str  # SUBCATEGORY | CE | DISCIPLINE | MAJOR | TAGS
    subject: str = ""  # the subcategory or major measured
    tags: frozenset[str] = frozenset()


class Dated(Protocol):
    """What the date rules read of a course (a solver Course or a catalog row)."""

    @property
    def approval_expires(self) -> date | None: ...

    @property
    def event_date(self) -> date | None: ...


def due_date(course: Dated, deadline: date) -> date:
    """Earliest of the deadline, the approval expiry and the event date (§4.2)."""
    due = deadline
    if course.approval_expires is not None and course.approval_expires < due:
        due = course.approval_expires
    if course.event_date is not None and course.event_date < due:
        due = course.event_date
    return due


def due_for(course: Course, deadline: date, as_of: date) -> date | None:
    """The course's due date for a requirement with this deadline, or None when it cannot
    count toward it (the deadline is past, or the event comes after it)."""
    if deadline < as_of or (course.event_date is not None and course.event_date > deadline):
        return None
    return due_date(course, deadline)


def counts_toward(course: Dated, deadline: date, done_on: date) -> bool:
    """Whether a course completed on `done_on` counts toward a requirement with this
    deadline (§6): done by its due date for that deadline (the deadline, the approval
    expiry, the event date) and, for an event, held by the deadline. The solver's plans
    (`Instance.counted_for`) and the pages' credit sheets both count with this rule."""
    if course.event_date is not None and course.event_date > deadline:
        return False
    return done_on <= due_date(course, deadline)


def filter_reason(course: Course, problem: Problem, latest: date) -> str | None:
    """The first catalog/date rule that removes `course`, or None (§4.1 without credit).
    `latest` is the latest deadline of any requirement."""
    if course.code in problem.completed:
        return COMPLETED
    if course.provider in problem.exclude_providers:
        return EXCLUDED_PROVIDER
    if problem.formats is not None and course.format not in problem.formats:
        return FORMAT
    if course.event_date is not None:
        if course.event_date < problem.as_of:
            return EVENT_DATE
        if course.event_date > latest:
            return DEADLINE
    if course.approval_expires is not None and course.approval_expires < problem.as_of:
        return APPROVAL_EXPIRED
    # Not in the contract's list, but a deadline before the planning date leaves no day on
    # which anything could be completed.
    if latest < problem.as_of:
        return DEADLINE
    return None


def fits_alone(hours: int, due: date, problem: Problem) -> bool:
    """True when the course alone meets the weekly-hours rule at its due date (§4.3)."""
    h = problem.hours_per_week
    if h is None:
        return True
    return 7 * hours <= h * (due - problem.as_of).days


def extra_requirements(extra: Extra, problem: Problem) -> list[Requirement]:
    """The requirement rows of one extra (one per major for major_minimum)."""
    deadline = extra.deadline or problem.deadline
    key = requirement_key(extra.kind, extra.label or None, "")  # raises for unknown kinds
    if extra.kind == MAJOR_MINIMUM:
        majors = sorted(set(problem.majors.values()))
        return [
            Requirement(
                requirement_key(MAJOR_MINIMUM, extra.label, m), extra.credits, deadline, MAJOR, m
            )
            for m in majors
        ]
    measure = {TOTAL_CE: CE, TOTAL_DISCIPLINE: DISCIPLINE, TAG_MINIMUM: TAGS}[extra.kind]
    return [Requirement(key, extra.credits, deadline, measure, tags=frozenset(extra.tags))]


def requirements(problem: Problem) -> dict[str, Requirement]:
    """Every requirement key (subcategories first, then extras) -> its requirement.

    A key given twice with the same measure and deadline keeps the larger credits; the
    same key for different requirements is a ValueError (callers label them apart)."""
    reqs = {
        sub: Requirement(sub, credits, problem.deadline, SUBCATEGORY, sub)
        for sub, credits in problem.required.items()
    }
    for extra in problem.extras:
        for req in extra_requirements(extra, problem):
            old = reqs.get(req.key)
            if old is None:
                reqs[req.key] = req
            elif (old.measure, old.subject, old.tags, old.deadline) == (
                req.measure,
                req.subject,
                req.tags,
                req.deadline,
            ):
                reqs[req.key] = req if req.credits > old.credits else old
            else:
                raise ValueError(f"two different requirements share the key {req.key!r}")
    return reqs


class Contributions:
    """Computes what one course gives towards each requirement key (uncapped, before any
    deadline rule)."""

    def __init__(self, problem: Problem) -> None:
        self.requirements = requirements(problem)
        reqs = self.requirements.values()
        self._only_required = all(r.measure == SUBCATEGORY for r in reqs)
        self._extras = [r for r in reqs if r.measure != SUBCATEGORY]
        self._required = {r.key for r in reqs if r.measure == SUBCATEGORY}
        wants_majors = any(r.measure == MAJOR for r in reqs)
        self._majors: Mapping[str, str] = problem.majors if wants_majors else {}

    def rows(self, course: Course, row_of: Mapping[str, int]) -> list[tuple[str, int, int]]:
        """(key, row, credit) for the keys in `row_of` the course gives a positive credit to."""
        if self._only_required:  # the common case, kept lean for 50,000-course catalogs
            return [(s, row_of[s], a) for s, a in course.credits.items() if a > 0 and s in row_of]
        return [(k, row_of[k], v) for k, v in self.of(course).items() if v > 0 and k in row_of]

    def of(self, course: Course) -> dict[str, int]:
        out: dict[str, int] = {}
        total = 0
        per_major: dict[str, int] = {}
        for sub, amount in course.credits.items():
            total += amount
            if sub in self._required:
                out[sub] = amount
            major = self._majors.get(sub)
            if major is not None:
                per_major[major] = per_major.get(major, 0) + amount
        for req in self._extras:
            if req.measure == CE:
                out[req.key] = course.ce_credits
            elif req.measure == DISCIPLINE:
                out[req.key] = total
            elif req.measure == MAJOR:
                out[req.key] = per_major.get(req.subject, 0)
            else:
                out[req.key] = course.ce_credits if course.tags & req.tags else 0
        return out


def remaining_requirements(problem: Problem, contrib: Contributions) -> dict[str, int]:
    """Requirement per key after the completed courses, never below zero (§4.4, §6)."""
    remaining = {key: req.credits for key, req in contrib.requirements.items()}
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
