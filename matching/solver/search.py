"""Lexicographic optimisation as a sequence of MILP solves, within one time budget.

Each phase minimises one objective with every earlier objective bounded by the value the
current plan reached (a row bound; the data are integral, so `<= value + 0.5` is exact).
Each phase also bounds its own objective by the current plan's value (a cutoff row; no
MIP start, see milp.Milp.solve), and the plan is kept when HiGHS finds nothing better, so
a phase stopped by the time limit can only keep or improve the plan, never lose it.  No
weighted sum is used: weights big enough to be lexicographic would exceed double
precision on large catalogs.  Large models are first cut down by `core.reduce` and
`dominance.tighten`, which keep a lexicographically optimal plan among those at least as
good as a known one, so every phase stays exact.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from .core import reduce
from .dominance import tighten
from .formulation import Formulation
from .milp import Milp, Outcome
from .model import FEASIBLE
from .objectives import Objective
from .plan import Plan, from_values

INF = float("inf")
MIN_PHASE_SECONDS = 0.02  # below this a tie-break phase is skipped (the plan is kept)
REDUCTION_SHARE = 0.5  # of the first phase's time, at most, for core.reduce
TIE_BREAK_FLOOR = 2.0  # seconds a tie-break phase may always use (within the budget)


class Budget:
    """Wall-clock budget shared by every phase of one solve."""

    def __init__(self, seconds: float) -> None:
        self.end = time.perf_counter() + max(0.0, seconds)

    def left(self) -> float:
        return max(0.0, self.end - time.perf_counter())


@dataclass
class PhaseLog:
    entries: list[dict[str, object]] = field(default_factory=list)
    # Facts about whole searches for the pages, e.g. {"single_provider": "complete"}.
    notes: dict[str, object] = field(default_factory=dict)

    def add(self, name: str, out: Outcome, columns: int) -> None:
        self.entries.append(
            {
                "phase": name,
                "status": out.status,
                "seconds": round(out.seconds, 4),
                "nodes": out.nodes,
                "columns": columns,
                "objective": out.objective,
                "bound": out.bound,
            }
        )


def key(plan: Plan, objectives: Sequence[Objective]) -> tuple[int, ...]:
    return tuple(o.of(plan) for o in objectives)


def lexicographic(
    form: Formulation,
    objectives: Sequence[Objective],
    budget: Budget,
    shares: Sequence[float],
    log: PhaseLog,
    name: str,
    announce: Callable[[int], None] | None = None,
    start: Plan | None = None,
) -> tuple[Outcome, Plan | None]:
    """Solve `objectives` in order; phase k may use shares[k] of the time left.

    `start`, if given, must be a plan of `form`.  Returns the first phase's outcome (its
    status and bound describe the first objective over the whole of `form`) and the best
    plan found, or None when no plan was found.
    """
    if announce:
        announce(0)
    began = time.perf_counter()
    first_end = began + budget.left() * shares[0]
    reduction = reduce(form, objectives[0], budget.left() * shares[0] * REDUCTION_SHARE, start)
    reduced = reduction.form
    if reduction.start is not None:
        reduced = tighten(reduced, reduction.start, objectives[:1])
    milp = Milp(reduced)
    milp.set_objective(objectives[0].vector(milp.form))
    begin = reduction.start
    if begin is not None:  # only plans at least as good as the known one are of interest
        milp.set_row_bounds(objectives[0].row(reduced), -INF, objectives[0].of(begin) + 0.5)
    first = milp.solve(first_end - time.perf_counter(), cutoff=begin is not None)
    first = _with_bound(first, reduction.bound)
    log.add(f"{name}:{objectives[0].value}", first, milp.form.num_cols)
    if first.values is None:
        if begin is None:
            return first, None
        # HiGHS found nothing (time limit) though a plan exists: keep it, unproven.
        first = replace(first, status=FEASIBLE, gap=_gap(objectives[0].of(begin), first.bound))
        plan = begin
    else:
        plan = from_values(milp.form, first.values)
        if begin is not None:
            plan = min(plan, begin, key=lambda p: key(p, objectives))
    # A tie-break may take as long as the first phase did (at least TIE_BREAK_FLOOR): on
    # hard set-cover shapes the tie-breaks are as hard as the price itself, and proving the
    # first objective is what matters.
    cap = max(TIE_BREAK_FLOOR, time.perf_counter() - began)
    return first, _tie_breaks(milp, objectives, plan, budget, shares, cap, log, name, announce)


def _gap(value: int, bound: float | None) -> float:
    if bound is None or value <= 0:
        return 1.0 if value > 0 else 0.0
    return max(0.0, (value - bound) / value)


def _with_bound(out: Outcome, bound: float | None) -> Outcome:
    if bound is None or (out.bound is not None and out.bound >= bound):
        return out
    return replace(out, bound=bound)


def _tie_breaks(
    milp: Milp,
    objectives: Sequence[Objective],
    plan: Plan,
    budget: Budget,
    shares: Sequence[float],
    cap: float,
    log: PhaseLog,
    name: str,
    announce: Callable[[int], None] | None,
) -> Plan:
    form = milp.form
    for k in range(1, len(objectives)):
        prev, obj = objectives[k - 1], objectives[k]
        limit = min(budget.left() * shares[k], cap)
        if limit < MIN_PHASE_SECONDS:
            break
        if announce:
            announce(k)
        end = time.perf_counter() + limit
        # Fixing the earlier objective at the plan's value; with that row in the LP the
        # reduction for this objective is much stronger than for the first one.
        bounded = form.with_row_upper(prev.row(form), prev.of(plan) + 0.5)
        reduction = reduce(bounded, obj, limit * REDUCTION_SHARE, plan)
        if reduction.start is not None:  # may be better in this objective, never worse
            plan = min(plan, reduction.start, key=lambda p: key(p, objectives[: k + 1]))
        reduced = tighten(reduction.form, plan, objectives[: k + 1])
        if reduced is bounded:
            milp.set_row_bounds(prev.row(form), -INF, prev.of(plan) + 0.5)
        else:
            milp = Milp(reduced)
        form = reduced
        milp.set_objective(obj.vector(form))
        # The cutoff row (this objective no worse than the plan) keeps the search on plans
        # of interest; it is lifted again when this objective gets fixed next round.
        milp.set_row_bounds(obj.row(form), -INF, obj.of(plan) + 0.5)
        out = milp.solve(end - time.perf_counter(), cutoff=True)
        log.add(f"{name}:{obj.value}", out, form.num_cols)
        if out.values is not None:
            better = from_values(form, out.values)
            if key(better, objectives[: k + 1]) <= key(plan, objectives[: k + 1]):
                plan = better
    return plan
