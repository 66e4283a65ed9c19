"""Exact model reduction for large catalogs: LP pricing + reduced-cost fixing.

With tens of thousands of courses and a handful of requirement rows almost every course
is useless, but letting HiGHS discover that (presolve, probing, symmetry detection on
50,000 binaries) takes seconds.  Instead, for the first objective c of a lexicographic
solve:

1. Column generation finds LP duals y: a small LP over a few promising columns is solved,
   every column of the full model is priced (d = c - A^T y, vectorised), columns with a
   negative reduced cost join the LP, repeat until none is left.
2. Any sign-correct y gives the Lagrangian bound
       c.x >= z(y) + sum_j d_j x_j - sum_{d_j<0} d_j u_j      for every plan x,
   so a plan using column j costs at least z(y) + max(d_j, 0) (z(y) already counts the
   negative d_j).  This holds for any y, so it does not depend on the LP being solved
   to optimality or on floating-point luck beyond a tiny tolerance.
3. With an upper bound U (a known plan), every column with ceil(z + d_j) > U is fixed
   to 0: no plan with objective <= U uses it.  The optimum and every lexicographic
   tie-break (which keep the first objective at its optimum <= U) are therefore
   unchanged, and a proof of optimality on the reduced model is a proof for the whole.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from .formulation import FloatArray, Formulation
from .instance import BoolArray
from .milp import Milp, quiet_highs
from .objectives import Objective
from .plan import Plan, from_values

# Models with fewer columns, or fewer than this many columns per requirement row (the
# OR-Library set-cover shapes), go to HiGHS as they are: there the LP bound rarely fixes
# enough columns to pay for the extra LP and MIP solves.
CORE_MIN_COLUMNS = 1000
CORE_MIN_COLUMNS_PER_ROW = 20
INCUMBENT_COLUMNS = 300  # first restricted MIP for an upper bound: best-priced columns
INCUMBENT_GAP = 0.01  # the upper bound need not be optimal, only good
WEAK_KEEP = 3000  # a known plan that keeps more columns than this is worth improving
INITIAL_PER_ROW = 25  # columns per requirement row in the first LP
MAX_ROUNDS = 60
REDUCED_COST_TOL = 1e-7
ARTIFICIAL_COST = 1e7  # per fully covered requirement, keeps the restricted LP feasible


@dataclass(frozen=True)
class Pricing:
    reduced: FloatArray  # d over every column of the model
    bound: float  # z(y), a valid lower bound on the objective
    support: BoolArray  # columns positive in the final LP


@dataclass(frozen=True)
class Reduction:
    form: Formulation
    start: Plan | None  # a plan of the reduced model (the upper bound), if known
    bound: float | None  # valid lower bound of the first objective over the whole model


def reduce(
    form: Formulation, objective: Objective, seconds: float, start: Plan | None
) -> Reduction:
    """Fix to zero every column that no plan at least as good as `start` can use."""
    small = form.num_cols < max(CORE_MIN_COLUMNS, CORE_MIN_COLUMNS_PER_ROW * form.num_cover)
    if small:
        return Reduction(form, start, None)
    end = time.perf_counter() + seconds
    cost = objective.vector(form)
    pricing = price_out(form, cost, end)
    if pricing is None:
        return Reduction(form, start, None)
    if start is None or _kept(pricing, objective.of(start)).sum() > WEAK_KEEP:
        # No plan yet, or one too far from the bound to fix much: a restricted MIP
        # usually finds a much better one in a fraction of the time.
        found = _incumbent(form, objective, pricing, end)
        if found is not None and (start is None or objective.of(found) < objective.of(start)):
            start = found
    if start is None:
        return Reduction(form, None, pricing.bound)
    keep = _kept(pricing, objective.of(start))
    keep[_plan_columns(form, start)] = True
    return Reduction(form.subset(keep), start, pricing.bound)


def _kept(pricing: Pricing, upper: int) -> BoolArray:
    """Columns that a plan with objective <= upper may use (integral objectives)."""
    tol = 1e-6 * max(1.0, abs(upper))
    least = np.ceil(pricing.bound + np.maximum(pricing.reduced, 0.0) - tol)
    return least <= upper


def lagrangian(form: Formulation, cost: FloatArray, duals: FloatArray) -> tuple[FloatArray, float]:
    """Reduced costs and the Lagrangian bound for row duals `duals` (signs repaired)."""
    y = np.where(np.isfinite(form.row_lower), np.maximum(duals, 0.0), 0.0) + np.where(
        np.isfinite(form.row_upper), np.minimum(duals, 0.0), 0.0
    )
    contrib = form.value * y[form.entry_rows()]
    reduced = cost - np.bincount(form.index, weights=contrib, minlength=form.num_cols)
    pos, neg = np.maximum(y, 0.0), np.minimum(y, 0.0)
    bound = float(
        np.dot(pos, np.where(pos > 0, form.row_lower, 0.0))
        + np.dot(neg, np.where(neg < 0, form.row_upper, 0.0))
        + np.dot(np.minimum(reduced, 0.0), form.col_upper)
    )
    return reduced, bound


def price_out(form: Formulation, cost: FloatArray, end: float) -> Pricing | None:
    """Column generation for the LP relaxation; None if it cannot finish in time or the
    restricted LP still needs artificial coverage (then no reduction is attempted)."""
    in_lp = _initial_columns(form, cost)
    for _ in range(MAX_ROUNDS):
        if time.perf_counter() > end:
            return None
        lp = _restricted_lp(form, cost, in_lp, end)
        if lp is None:
            return None
        duals, values, artificial, cols = lp
        reduced, bound = lagrangian(form, cost, duals)
        entering = (reduced < -REDUCED_COST_TOL) & ~cols & (form.col_upper > 0)
        if not entering.any():
            if artificial:
                return None  # the LP may be infeasible: leave the proof to the full MIP
            support = np.zeros(form.num_cols, dtype=np.bool_)
            support[np.flatnonzero(cols)[values > 1e-9]] = True
            return Pricing(reduced, bound, support)
        idx = np.flatnonzero(entering)
        batch = max(200, int(in_lp.sum()))
        if len(idx) > batch:
            idx = idx[np.argpartition(reduced[idx], batch)[:batch]]
        in_lp[idx] = True
        # A course bought through a package or a competing single needs those columns.
        in_lp[form.purchase_columns(idx[idx < form.num_y])] = True
    return None


def _initial_columns(form: Formulation, cost: FloatArray) -> BoolArray:
    """Per requirement row, the columns with the most credit per unit of cost, plus the
    free ones and the schedule columns (purchase columns enter through pricing)."""
    chosen = (cost <= 0) & (form.col_upper > 0)
    chosen |= _schedule_mask(form)
    for r in range(form.num_cover):
        # Cover rows hold only y columns.
        cols = form.index[form.starts[r] : form.starts[r + 1]]
        if len(cols) == 0:
            continue
        ratio = form.value[form.starts[r] : form.starts[r + 1]] / np.maximum(cost[cols], 1e-9)
        top = min(INITIAL_PER_ROW, len(cols))
        chosen[cols[np.argpartition(-ratio, top - 1)[:top]]] = True
    return chosen


def _restricted_lp(
    form: Formulation, cost: FloatArray, in_lp: BoolArray, end: float
) -> tuple[FloatArray, FloatArray, bool, BoolArray] | None:
    """Solve the LP over `in_lp` plus one artificial column per requirement row."""
    cols = form.closure(in_lp)
    sub = form.subset(cols)
    sub_cost = cost[cols]
    h = quiet_highs()
    h.setOptionValue("time_limit", max(1e-3, end - time.perf_counter()))
    h.passModel(
        sub.num_cols,
        sub.num_rows,
        len(sub.value),
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMinimize),
        0.0,
        sub_cost,
        sub.col_lower,
        sub.col_upper,
        sub.row_lower,
        sub.row_upper,
        sub.starts[:-1].astype(np.int32),
        sub.index.astype(np.int32),
        sub.value,
        np.zeros(sub.num_cols, dtype=np.int32),
    )
    k = form.num_cover
    h.addCols(
        k,
        np.full(k, ARTIFICIAL_COST),
        np.zeros(k),
        np.ones(k),
        k,
        np.arange(k, dtype=np.int32),
        np.arange(k, dtype=np.int32),
        form.row_lower[:k].astype(np.float64),
    )
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    sol = h.getSolution()
    values = np.asarray(sol.col_value, dtype=np.float64)
    duals = np.asarray(sol.row_dual, dtype=np.float64)
    artificial = bool(np.any(values[sub.num_cols :] > 1e-9))
    return duals, values[: sub.num_cols], artificial, cols


def _schedule_mask(form: Formulation) -> BoolArray:
    mask = np.zeros(form.num_cols, dtype=np.bool_)
    mask[form.num_y + form.num_x :] = True
    return mask


def _incumbent(
    form: Formulation, objective: Objective, pricing: Pricing, end: float
) -> Plan | None:
    """A good first plan from a MIP over the LP support and the best-priced columns,
    widened until it finds one (or the whole model has been tried)."""
    size = INCUMBENT_COLUMNS
    order = np.argsort(pricing.reduced, kind="stable")
    while True:
        keep = pricing.support.copy()
        keep[order[:size]] = True
        sub = form.subset(keep)
        milp = Milp(sub)
        milp.set_objective(objective.vector(sub))
        out = milp.solve(max(1e-3, (end - time.perf_counter()) / 2), rel_gap=INCUMBENT_GAP)
        if out.values is not None:
            return from_values(sub, out.values)
        if keep.all() or time.perf_counter() > end:
            return None
        size *= 4


def _plan_columns(form: Formulation, plan: Plan) -> BoolArray:
    mask = np.zeros(form.num_cols, dtype=np.bool_)
    mask[form.y_columns(plan.taken)] = True
    bought = {(p.kind, p.code) for p in plan.purchases}
    for j, item in enumerate(form.x_items):
        if (item.kind, item.code) in bought:
            mask[form.num_y + j] = True
    return mask
