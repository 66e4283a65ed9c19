"""The least weekly study time with which a prescription becomes possible.

When `hours_per_week` makes a prescription infeasible, the smallest change that makes it
possible is the least h (hundredths of an hour a week) for which a plan exists.  A plan
that exists at h also exists at every h' > h (the weekly-hours rule only gets looser), so
the least h is found by bisection over exact feasibility solves of the same model the
engine plans with (every rule of contract §4 and §6 included: per-requirement deadlines,
late completion for later obligations, events, expiry).  Each feasible solve also gives a
plan whose own exact need (the largest 7 * load / days over its due dates, rounded up to
a hundredth) is often far below the h tried, which shortens the search.

The same search answers "would different formats or a later start help": it is rerun
with every format allowed, and with the planning date moved later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

import numpy as np

from .formulation import build
from .instance import Instance, prepare
from .milp import Milp
from .model import FORMATS, INFEASIBLE, Problem
from .plan import Plan, from_values

# How much later "a later start" starts: a quarter of the time left, at most four weeks.
LATER_START_DAYS = 28


@dataclass(frozen=True)
class Least:
    """The least weekly hours (hundredths) with which a plan exists, and that plan."""

    hours_per_week: int | None  # None: no number of weekly hours makes it possible
    proven: bool  # False: the time limit stopped the search; hours_per_week is then only
    # a weekly time that works (or None when none was found in time)
    formats: frozenset[str] = frozenset()  # formats of the witness plan's courses


@dataclass(frozen=True)
class HoursAdvice:
    least: Least  # with the problem's own formats and start
    all_formats: Least | None  # every format allowed (None: the problem allows them all)
    later_start: date  # the later planning date tried
    later: Least  # starting on `later_start`


def advise_hours(problem: Problem, *, time_limit: float = 10.0) -> HoursAdvice:
    """The least weekly hours, and the same with every format and with a later start."""
    began = time.perf_counter()

    def left(share: float) -> float:
        return max(0.5, share * (time_limit - (time.perf_counter() - began)))

    least = least_hours_per_week(problem, time_limit=left(0.5))
    all_formats = None
    if problem.formats is not None and not problem.formats >= FORMATS:
        all_formats = least_hours_per_week(replace(problem, formats=None), time_limit=left(0.5))
    window = (problem.deadline - problem.as_of).days
    later_start = problem.as_of + timedelta(days=max(1, min(LATER_START_DAYS, window // 4)))
    later = least_hours_per_week(replace(problem, as_of=later_start), time_limit=left(1.0))
    return HoursAdvice(least, all_formats, later_start, later)


def least_hours_per_week(problem: Problem, *, time_limit: float = 10.0) -> Least:
    """The least `hours_per_week` (hundredths) with which `problem` has a plan.

    Its own `hours_per_week` is ignored.  Exact: the answer h is feasible and h - 1 is
    proven infeasible (unless `proven` is False, when the time limit ran out).
    """
    deadline = time.perf_counter() + time_limit
    hi = _upper_bound(problem)
    if hi is None:
        return Least(None, True)
    found = _feasible(problem, hi, deadline)
    if found is None or found is False:
        return Least(None, found is False)
    best = found
    hi = min(hi, plan_need(best[0], best[1]))
    lo = 0  # no positive study hours fit in zero hours a week
    while hi - lo > 1:
        mid = (lo + hi) // 2
        result = _feasible(problem, mid, deadline)
        if result is None:
            return Least(hi, False, _formats(*best))
        if result is False:
            lo = mid
        else:
            best = result
            hi = min(mid, plan_need(result[0], result[1]))
    return Least(hi, True, _formats(*best))


Witness = tuple[Instance, Plan]


def _feasible(problem: Problem, h: int, deadline: float) -> Witness | Literal[False] | None:
    """A plan at h weekly hours (with its instance), False when none exists, None when
    the time limit stopped HiGHS first."""
    inst = prepare(replace(problem, hours_per_week=h, alternatives=0))
    if any(inst.available[key] < need for key, need in inst.remaining.items()):
        return False
    if not inst.keys:
        return inst, Plan(frozenset(), (), 0, 0)
    remaining = deadline - time.perf_counter()
    if remaining <= 0:
        return None
    form = build(inst)
    milp = Milp(form)
    milp.set_objective(np.zeros(form.num_cols))  # any plan will do
    out = milp.solve(remaining)
    if out.status == INFEASIBLE:
        return False
    if out.values is None:
        return None
    return inst, from_values(form, out.values)  # re-checked exactly in integers


def plan_need(inst: Instance, plan: Plan) -> int:
    """The least weekly hours (hundredths) with which this plan meets the rule of §4.3:
    for every due date d, 7 * (hours due by d) <= h * days(T, d)."""
    load = 0
    need = 1  # hours_per_week is positive: the least is at least one hundredth
    days = sorted((plan.done_day(inst, i), int(inst.hours[i])) for i in plan.taken)
    for day, hours in days:
        load += 7 * hours
        if load > 0:
            if day <= 0:
                raise ValueError("a plan with study hours due on the planning date")
            need = max(need, -(-load // day))
    return need


def _upper_bound(problem: Problem) -> int | None:
    """A weekly time at which taking every candidate fits (so a plan exists at it if one
    exists at all), or None when even no weekly limit leaves a plan."""
    inst = prepare(replace(problem, hours_per_week=None, alternatives=0))
    if any(inst.available[key] < need for key, need in inst.remaining.items()):
        return None
    usable = [(int(d), int(hrs)) for d, hrs in zip(inst.due_days, inst.hours, strict=True) if d > 0]
    load, bound = 0, 1
    for day, hours in sorted(usable):
        load += 7 * hours
        bound = max(bound, -(-load // day))
    return bound


def _formats(inst: Instance, plan: Plan) -> frozenset[str]:
    return frozenset(inst.courses[i].format for i in plan.taken)
