"""Exact dominance pruning of courses bought alone.

Course j dominates course i (both bought alone, "direct" columns) when j gives at least
i's (capped) credit in every requirement, costs no more, takes no more hours and is due
no earlier, and is strictly better somewhere (or identical with a smaller column index, so
the relation is a strict partial order).  Swapping i for j in a plan keeps it feasible
(schedule loads can only drop at every date) and no worse in price, hours or course count.

A swap needs a dominator that is not already in the plan.  If every plan of interest holds
at most K_i other direct courses, a course with K_i + 1 dominators can always be swapped,
and repeating swaps (each moves to a strictly dominating course, so it ends) turns any
lexicographically optimal plan into one without pruned courses.  K_i comes from the known
bounds: price <= P gives K_i <= (P - price_i) / cheapest direct price, hours likewise, and
a count bound C gives K_i <= C - 1.  Pruning therefore never changes the optimum of any
lexicographic order over price, hours and course count.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from .formulation import FloatArray, Formulation
from .instance import BoolArray, IntArray
from .objectives import Objective
from .plan import Plan

MAX_DIRECT = 6000  # pairwise comparison beyond this costs more than it saves
MAX_ROWS = 64
BLOCK_CELLS = 4_000_000  # comparison cells per vectorised block (bounds temporary memory)
NO_LIMIT = np.iinfo(np.int64).max


def tighten(form: Formulation, plan: Plan, bounded: Sequence[Objective]) -> Formulation:
    """Prune dominated courses, then drop the weekly-hours rows no plan of interest can
    violate.  Plans of interest are at least as good as `plan` in every objective of
    `bounded` (so `plan` stays a plan of the result)."""
    return relax_schedule(prune(form, plan, bounded), plan, bounded)


def prune(form: Formulation, plan: Plan, bounded: Sequence[Objective]) -> Formulation:
    """Drop direct courses with enough dominators (see the module docstring)."""
    n = form.num_y
    idx = np.flatnonzero(form.direct & (form.col_upper[:n] > 0))
    rows = _general_rows(form)
    if len(idx) < 2 or len(idx) > MAX_DIRECT or rows is None or len(rows) > MAX_ROWS:
        return form
    limit = _swap_limits(form, idx, plan, bounded)
    if np.all(limit == NO_LIMIT):
        return form
    profile = _profile(form, idx, rows)
    pruned = _dominated(profile, limit)
    keep = np.ones(form.num_cols, dtype=np.bool_)
    keep[idx[pruned]] = False
    keep[form.y_columns(plan.taken)] = True
    if keep.all():
        return form
    return form.subset(keep)


def _general_rows(form: Formulation) -> IntArray | None:
    """Rows besides the schedule chain and objective rows that direct columns appear in:
    the covers (>=) and any cuts (<=).  None if one is two-sided (no dominance then)."""
    cuts = np.arange(form.count_row + 1, form.num_rows)
    rows = np.concatenate([np.arange(form.num_cover), cuts]).astype(np.int64)
    lo_finite = np.isfinite(form.row_lower[rows])
    hi_finite = np.isfinite(form.row_upper[rows])
    if np.any(lo_finite & hi_finite):
        return None
    return rows


def _swap_limits(
    form: Formulation, idx: IntArray, plan: Plan, bounded: Sequence[Objective]
) -> IntArray:
    """K_i: the most other direct courses a plan of interest can hold besides course i."""
    limit = np.full(len(idx), NO_LIMIT, dtype=np.int64)
    for obj in bounded:
        cost = obj.vector(form)[idx]
        least = float(cost.min())
        if least <= 0:
            continue
        room = np.floor((obj.of(plan) - cost) / least + 1e-9).astype(np.int64)
        limit = np.minimum(limit, room)
    return limit


def _profile(form: Formulation, idx: IntArray, rows: IntArray) -> FloatArray:
    """Per direct course: coefficients in the general rows (negated for <= rows, so that
    "bigger is better" everywhere), then -price, -hours, due day."""
    position = np.full(form.num_cols, -1, dtype=np.int64)
    position[idx] = np.arange(len(idx))
    g = np.zeros((len(idx), len(rows) + 3))
    sign = np.where(np.isfinite(form.row_lower), 1.0, -1.0)
    for k, r in enumerate(rows.tolist()):
        lo, hi = int(form.starts[r]), int(form.starts[r + 1])
        cols = form.index[lo:hi]
        mine = position[cols] >= 0
        g[position[cols[mine]], k] = sign[r] * form.value[lo:hi][mine]
    g[:, -3] = -form.price[idx]
    g[:, -2] = -form.hours[idx]
    g[:, -1] = form.y_day[idx]
    return g


def _dominated(profile: FloatArray, limit: IntArray) -> BoolArray:
    """Courses with more than `limit` dominators (vectorised in blocks)."""
    n, width = profile.shape
    step = max(1, BLOCK_CELLS // (n * width))
    order = np.arange(n)
    out = np.zeros(n, dtype=np.bool_)
    for start in range(0, n, step):
        block = profile[start : start + step]  # the candidates i that may be dominated
        ge = np.all(profile[None, :, :] >= block[:, None, :], axis=2)
        gt = np.any(profile[None, :, :] > block[:, None, :], axis=2)
        tie = order[None, :] < order[start : start + step, None]
        dominators = (ge & (gt | tie)).sum(axis=1)
        out[start : start + step] = dominators > limit[start : start + step]
    return out


def relax_schedule(form: Formulation, plan: Plan, bounded: Sequence[Objective]) -> Formulation:
    """A due date needs its weekly-hours row only if the heaviest plan of interest due by
    then could exceed it.  Plans of interest hold at most N courses (from the bounds), so
    the N largest loads due by a date bound every plan's load there."""
    if len(form.s_days) == 0:
        return form
    n = form.num_y
    takeable = np.flatnonzero(form.col_upper[:n] > 0)
    load = 7 * form.hours[takeable]
    days = form.y_day[takeable]
    most = _plan_size_bound(form, takeable, plan, bounded)
    order = np.argsort(days, kind="stable")
    heap: list[float] = []
    total = 0.0
    pos = 0
    binding = np.zeros(len(form.s_days), dtype=np.bool_)
    caps = form.col_upper[n + form.num_x :]
    for k, day in enumerate(form.s_days.tolist()):
        while pos < len(order) and days[order[pos]] <= day:
            total += _push(heap, float(load[order[pos]]), most)
            pos += 1
        binding[k] = total > caps[k]
    return form.relax_schedule(binding)


def _push(heap: list[float], value: float, size: int) -> float:
    """Keep the `size` largest values in a min-heap; return the change of their sum."""
    if len(heap) < size:
        heapq.heappush(heap, value)
        return value
    if size > 0 and value > heap[0]:
        return value - heapq.heapreplace(heap, value)
    return 0.0


def _plan_size_bound(
    form: Formulation, takeable: IntArray, plan: Plan, bounded: Sequence[Objective]
) -> int:
    n = form.num_y
    most = len(takeable)
    direct = form.direct[takeable]
    for obj in bounded:
        cost = obj.vector(form)[:n][takeable]
        if obj is Objective.COUNT:
            most = min(most, plan.count)
        elif obj is Objective.PRICE and direct.any() and cost[direct].min() > 0:
            # Only courses bought alone are bounded by price; the others all may be in.
            paid = int(obj.of(plan) // cost[direct].min())
            most = min(most, paid + int((~direct).sum()))
        elif obj is Objective.HOURS and cost.min() > 0:
            most = min(most, int(obj.of(plan) // cost.min()))
    return most
