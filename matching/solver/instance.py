"""The preprocessed instance: candidates, capped coefficients and purchasables as arrays.

Built once per solve; every MILP (bundle 1, alternatives, single-provider variants) is cut
from it by `formulation.build`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from . import eligibility as el
from .model import Course, Exclusion, Problem

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Package-vs-package dominance is quadratic per provider; above this many packages of one
# provider it is skipped (it is only a speed-up, never needed for correctness).
MAX_PACKAGES_FOR_PAIRWISE_DOMINANCE = 400


@dataclass(frozen=True)
class Purchasable:
    kind: str  # "course" | "package"
    code: str
    provider: str
    price: int
    members: tuple[int, ...]  # indices of non-owned candidates it gives access to


@dataclass(frozen=True)
class Instance:
    problem: Problem
    courses: tuple[Course, ...]  # candidates, index i
    due: tuple[date, ...]  # earliest due date of each candidate over its credit entries
    owned: BoolArray
    hours: IntArray
    due_days: IntArray  # (due - T).days
    keys: tuple[str, ...]  # requirement keys with a positive remaining need (row order)
    need: IntArray
    coef_row: IntArray  # COO of min(credit, need): requirement row, candidate, value
    coef_col: IntArray
    coef_val: IntArray
    coef_day: IntArray  # due day (days after T) of the candidate for that row's deadline
    single_price: IntArray  # price of buying the candidate alone, -1 when it can't be
    packages: tuple[Purchasable, ...]
    remaining: dict[str, int]
    available: dict[str, int]  # uncapped credits all candidates together could give
    exclusions: tuple[Exclusion, ...]
    contrib: el.Contributions
    deadlines: dict[str, date]  # requirement key -> its deadline (every key of remaining)

    def day(self, d: date) -> int:
        return (d - self.problem.as_of).days

    def counted_for(self, i: int, key: str, done_day: int) -> bool:
        """Whether candidate i, completed by day `done_day`, counts toward `key`."""
        done_on = self.problem.as_of + timedelta(days=done_day)
        return el.counts_toward(self.courses[i], self.deadlines[key], done_on)


def prepare(problem: Problem) -> Instance:
    contrib = el.Contributions(problem)
    remaining = el.remaining_requirements(problem, contrib)
    deadlines = {key: req.deadline for key, req in contrib.requirements.items()}
    keys = tuple(k for k, v in remaining.items() if v > 0)
    found = _classify(problem, contrib, {k: r for r, k in enumerate(keys)}, deadlines)
    cands = found.courses
    need = np.array([remaining[k] for k in keys], dtype=np.int64)
    coef_row = np.array(found.rows, dtype=np.int64)
    raw = np.array(found.vals, dtype=np.int64)
    sums = np.bincount(coef_row, weights=raw, minlength=len(keys))
    available = dict.fromkeys(remaining, 0)
    available.update({k: round(float(sums[r])) for r, k in enumerate(keys)})
    owned_list = [c.code in problem.owned for c in cands]
    single_price, packages = purchasables_for(problem, cands, owned_list)
    return Instance(
        problem=problem,
        courses=tuple(cands),
        due=tuple(found.dues),
        owned=np.array(owned_list, dtype=np.bool_),
        hours=np.array([c.hours for c in cands], dtype=np.int64),
        due_days=np.array([(d - problem.as_of).days for d in found.dues], dtype=np.int64),
        keys=keys,
        need=need,
        coef_row=coef_row,
        coef_col=np.array(found.cols, dtype=np.int64),
        # Capping at the need keeps the model tight and is exact: with binary y, a course
        # never contributes more than the whole remaining requirement anyway.
        coef_val=np.minimum(raw, need[coef_row]),
        coef_day=np.array(found.days, dtype=np.int64),
        single_price=single_price,
        packages=tuple(packages),
        remaining=remaining,
        available=available,
        exclusions=tuple(found.excluded),
        contrib=contrib,
        deadlines=deadlines,
    )


@dataclass
class _Found:
    courses: list[Course] = field(default_factory=list)
    dues: list[date] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    vals: list[int] = field(default_factory=list)
    days: list[int] = field(default_factory=list)
    excluded: list[Exclusion] = field(default_factory=list)


Entry = tuple[int, int, date]  # requirement row, credit, due date for that row


def _classify(
    problem: Problem,
    contrib: el.Contributions,
    row_of: dict[str, int],
    deadlines: dict[str, date],
) -> _Found:
    """Split the catalog into candidates (with their credit rows) and exclusions."""
    sold = el.sold_codes(problem)
    latest = max(deadlines.values(), default=problem.deadline)
    if len(set(deadlines.values())) <= 1:
        return _classify_one_deadline(problem, contrib, row_of, latest, sold)
    found = _Found()
    for course in problem.courses:
        reason = el.filter_reason(course, problem, latest)
        entries: list[Entry] = []
        if reason is None:
            gives = contrib.rows(course, row_of)
            entries = _dated(course, gives, deadlines, problem)
            reason = _credit_reason(course, problem, bool(gives), entries, sold)
            entries = [e for e in entries if el.fits_alone(course.hours, e[2], problem)]
        if reason is not None:
            found.excluded.append(Exclusion(course=course.code, reason=reason))
            continue
        col = len(found.courses)
        found.courses.append(course)
        found.dues.append(min(due for _, _, due in entries))
        found.rows.extend(r for r, _, _ in entries)
        found.vals.extend(v for _, v, _ in entries)
        found.days.extend((due - problem.as_of).days for _, _, due in entries)
        found.cols.extend([col] * len(entries))
    return found


def _classify_one_deadline(
    problem: Problem,
    contrib: el.Contributions,
    row_of: dict[str, int],
    deadline: date,
    sold: set[str],
) -> _Found:
    """`_classify` when every requirement has the same deadline (the common case, kept
    lean for 50,000-course catalogs): one due date per course."""
    found = _Found()
    for course in problem.courses:
        reason = el.filter_reason(course, problem, deadline)
        if reason is None:
            gives = contrib.rows(course, row_of)
            due = el.due_date(course, deadline)
            reason = _credit_reason(course, problem, bool(gives), [(0, 0, due)], sold)
        if reason is not None:
            found.excluded.append(Exclusion(course=course.code, reason=reason))
            continue
        col = len(found.courses)
        found.courses.append(course)
        found.dues.append(due)
        found.rows.extend(r for _, r, _ in gives)
        found.vals.extend(v for _, _, v in gives)
        found.cols.extend([col] * len(gives))
        found.days.extend([(due - problem.as_of).days] * len(gives))
    return found


def _dated(
    course: Course,
    gives: list[tuple[str, int, int]],
    deadlines: dict[str, date],
    problem: Problem,
) -> list[Entry]:
    """The credit entries the course can count for by their requirement's deadline."""
    dues: dict[date, date | None] = {}
    entries: list[Entry] = []
    for key, row, value in gives:
        deadline = deadlines[key]
        if deadline not in dues:
            dues[deadline] = el.due_for(course, deadline, problem.as_of)
        due = dues[deadline]
        if due is not None:
            entries.append((row, value, due))
    return entries


def _credit_reason(
    course: Course, problem: Problem, gives: bool, entries: list[Entry], sold: set[str]
) -> str | None:
    if not gives:
        return el.NO_REQUIRED_CREDIT
    if not entries:
        return el.DEADLINE
    if course.code not in sold:
        return el.NOT_SOLD
    if not any(el.fits_alone(course.hours, due, problem) for _, _, due in entries):
        return el.WEEKLY_HOURS
    return None


def purchasables_for(
    problem: Problem, cands: list[Course], owned: list[bool]
) -> tuple[IntArray, list[Purchasable]]:
    """Every way to buy candidates, minus purchasables that are provably never needed."""
    index = {c.code: i for i, c in enumerate(cands)}
    # Buying one course alone: candidate -> (provider, price).  Plain tuples, since a
    # catalog has tens of thousands of them.
    singles = {
        i: (c.provider, c.price)
        for i, c in enumerate(cands)
        if c.price is not None and not owned[i]
    }
    packages: list[Purchasable] = []
    for p in problem.packages:
        if p.provider in problem.exclude_providers:
            continue
        members = sorted({index[c] for c in p.courses if c in index and not owned[index[c]]})
        if members:
            packages.append(Purchasable("package", p.code, p.provider, p.price, tuple(members)))
    packages = _drop_dominated_packages(packages)
    packages = [p for p in packages if not _cheaper_as_singles(p, singles)]
    _drop_dominated_singles(singles, packages)
    single_price = np.full(len(cands), -1, dtype=np.int64)
    for i, (_, price) in singles.items():
        single_price[i] = price
    return single_price, packages


# Dominance rules.  A purchasable is dropped only when another purchasable of the SAME
# provider gives access to a superset of its courses for no more money: any plan using the
# dropped one can swap it for the other without changing the courses taken, so price,
# hours, course count and the single-provider variant are all unaffected.  The rules run
# in a fixed order and only ever compare against purchasables that are kept.


def _drop_dominated_packages(packages: list[Purchasable]) -> list[Purchasable]:
    by_provider: dict[str, list[Purchasable]] = {}
    for p in packages:
        by_provider.setdefault(p.provider, []).append(p)
    kept: list[Purchasable] = []
    for group in by_provider.values():
        if len(group) > MAX_PACKAGES_FOR_PAIRWISE_DOMINANCE:
            kept.extend(group)
            continue
        # Cheapest first, larger first on equal price: a dominator is always seen earlier.
        group.sort(key=lambda p: (p.price, -len(p.members), p.code))
        kept_sets: list[frozenset[int]] = []
        for p in group:
            members = frozenset(p.members)
            if not any(members <= other for other in kept_sets):
                kept_sets.append(members)
                kept.append(p)
    return kept


Singles = dict[int, tuple[str, int]]


def _cheaper_as_singles(package: Purchasable, singles: Singles) -> bool:
    total = 0
    for i in package.members:
        single = singles.get(i)
        if single is None or single[0] != package.provider:
            return False
        total += single[1]
    return total <= package.price


def _drop_dominated_singles(singles: Singles, packages: list[Purchasable]) -> None:
    for p in packages:
        for i in p.members:
            single = singles.get(i)
            if single is not None and single[0] == p.provider and p.price <= single[1]:
                del singles[i]
