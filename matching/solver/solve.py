"""solve(): eligibility -> quick infeasibility check -> MILP phases -> bundles."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from . import alternatives
from .bundles import to_bundles
from .eligibility import WEEKLY_HOURS
from .formulation import Formulation, build
from .instance import Instance, prepare
from .milp import Outcome
from .model import (
    FEASIBLE,
    INFEASIBLE,
    OPTIMAL,
    TIMEOUT,
    Exclusion,
    Problem,
    Result,
    Shortfall,
)
from .objectives import Objective
from .plan import Plan, from_values, schedulable
from .search import Budget, PhaseLog, lexicographic

Progress = Callable[[int, str], None]

# Share of the time left that each phase of bundle 1 may use.  The price phase gets the
# most (it is the one whose proof matters); tie-breaks are bounded so that a hard
# tie-break cannot starve the alternatives.
BUNDLE1_SHARES_ALONE = (0.75, 0.25, 0.25)
BUNDLE1_SHARES_WITH_ALTERNATIVES = (0.6, 0.2, 0.2)
BUNDLE1_PHASES = (
    (20, "minimising price"),
    (50, "minimising hours"),
    (65, "minimising number of courses"),
)
LEXICOGRAPHIC = (Objective.PRICE, Objective.HOURS, Objective.COUNT)


def solve(problem: Problem, progress: Progress | None = None) -> Result:
    began = time.perf_counter()
    budget = Budget(problem.time_limit)
    notify: Progress = progress or (lambda _percent, _message: None)
    notify(0, "checking eligibility")
    inst = prepare(problem)
    stats: dict[str, object] = {
        "candidates": len(inst.courses),
        "packages": len(inst.packages),
        "prepare_seconds": round(time.perf_counter() - began, 4),
    }
    shortfall = _shortfall(inst)
    if shortfall:
        return _finish(inst, INFEASIBLE, None, [], stats, began, notify, shortfall=shortfall)
    if not inst.keys:
        # Completed courses already meet everything: the empty plan is optimal.
        empty = Plan(frozenset(), (), 0, 0)
        return _finish(inst, OPTIMAL, 0.0, [("cheapest", empty)], stats, began, notify)

    notify(10, "building model")
    form = build(inst)
    stats.update(
        variables=form.num_cols,
        constraints=form.num_rows,
        nonzeros=len(form.value),
        build_seconds=round(time.perf_counter() - began, 4),
    )
    log = PhaseLog()
    stats["phases"] = log.entries
    shares = BUNDLE1_SHARES_WITH_ALTERNATIVES if problem.alternatives else BUNDLE1_SHARES_ALONE
    first, plan = lexicographic(
        form, LEXICOGRAPHIC, budget, shares, log, "bundle1", lambda k: notify(*BUNDLE1_PHASES[k])
    )
    if first.status == INFEASIBLE:
        weekly = (Exclusion(course="*", reason=WEEKLY_HOURS),)
        return _finish(inst, INFEASIBLE, None, [], stats, began, notify, extra=weekly)
    if plan is None:
        plan = _fallback_plan(form)
        if plan is None:
            return _finish(inst, TIMEOUT, None, [], stats, began, notify)
    status, gap = _price_status(first, plan)

    found = [("cheapest", plan)]
    if problem.alternatives > 0:
        notify(80, "finding alternatives")
        found += alternatives.find(form, plan, problem.alternatives, budget, log)
        stats.update(log.notes)
    return _finish(inst, status, gap, found, stats, began, notify)


def _price_status(first: Outcome, plan: Plan) -> tuple[str, float]:
    if first.status == OPTIMAL:
        return OPTIMAL, 0.0
    bound = max(0.0, first.bound) if first.bound is not None else 0.0
    if plan.price <= 0:
        return OPTIMAL, 0.0  # nothing can be cheaper than free
    if plan.price - bound < 1.0 - 1e-6:
        return OPTIMAL, 0.0  # integral prices: a gap below one cent is a proof
    return FEASIBLE, (plan.price - bound) / plan.price


def _fallback_plan(form: Formulation) -> Plan | None:
    """When the time limit stops HiGHS before its first plan: take and buy everything,
    then tidy.  Always valid without a weekly-hours limit (the shortfall check passed)."""
    inst = form.inst
    everything = [int(g) for g in form.cand]
    if not schedulable(inst, everything):
        return None
    values = np.concatenate([form.col_upper[: form.num_y], np.ones(len(form.x_items))])
    values = np.concatenate([values, np.zeros(len(form.s_days))])
    return from_values(form, values)


def _shortfall(inst: Instance) -> tuple[Shortfall, ...]:
    return tuple(
        Shortfall(category=key, required=need, available=inst.available[key])
        for key, need in inst.remaining.items()
        if inst.available[key] < need
    )


def _finish(
    inst: Instance,
    status: str,
    gap: float | None,
    found: list[tuple[str, Plan]],
    stats: dict[str, object],
    began: float,
    notify: Progress,
    shortfall: tuple[Shortfall, ...] = (),
    extra: tuple[Exclusion, ...] = (),
) -> Result:
    stats["seconds"] = round(time.perf_counter() - began, 4)
    notify(100, "done")
    return Result(
        status=status,
        gap=gap,
        bundles=to_bundles(inst, found),
        shortfall=shortfall,
        exclusions=inst.exclusions + extra,
        remaining=dict(inst.remaining),
        stats=stats,
    )
