"""A thin, silent HiGHS wrapper around one Formulation.

HiGHS prints a banner the first time a `Highs` object is created in a process, before
any option can be set, straight to file descriptor 1.  `recommend --json` must print one
JSON document and nothing else, so the very first construction runs with fds 1 and 2
pointed at /dev/null; every instance then gets output_flag/log_to_console off before a
model is passed.  (Other threads writing to fd 1/2 during those few milliseconds would
lose that output; a worker can call quiet_highs() once at start-up to avoid it.)
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import highspy
import numpy as np

from .formulation import FloatArray, Formulation
from .model import FEASIBLE, INFEASIBLE, OPTIMAL, TIMEOUT

# highspy's Highs.__init__ is unannotated; a typed alias keeps strict mypy happy.
_new_highs: Callable[[], highspy.Highs] = highspy.Highs
_banner_lock = threading.Lock()
_banner_printed = False

# Every objective we optimise (cents, hundredths of hours, course count) takes integer
# values on integer solutions, so a primal-dual gap below 1 already proves optimality.
# Asking HiGHS for exactly that (instead of a zero gap on floating-point bounds) lets it
# stop as soon as the proof exists.
ABS_GAP = 0.999
HEAVY_HEURISTICS = (
    "mip_heuristic_run_rins",
    "mip_heuristic_run_rens",
    "mip_heuristic_run_root_reduced_cost",
    "mip_heuristic_run_feasibility_jump",
)
DEFAULT_HEURISTIC_EFFORT = 0.05
_MODEL_STATUS = highspy.HighsModelStatus
_FEASIBLE_SOLUTION = 2  # HiGHS primal_solution_status: kSolutionStatusFeasible


def _silenced_first_highs() -> highspy.Highs:
    """Create a Highs with the process-wide banner going to /dev/null."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            return _new_highs()
        finally:
            _flush_c_stdio()
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def _flush_c_stdio() -> None:
    # The banner may sit in libc's stdout buffer; flush it while fd 1 is still /dev/null.
    with contextlib.suppress(OSError, AttributeError):  # non-POSIX libc: nothing to flush
        ctypes.CDLL(None).fflush(None)


def quiet_highs() -> highspy.Highs:
    global _banner_printed
    with _banner_lock:
        if _banner_printed:
            h = _new_highs()
        else:
            h = _silenced_first_highs()
            _banner_printed = True
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    return h


@dataclass(frozen=True)
class Outcome:
    status: str  # optimal | feasible | infeasible | timeout
    values: FloatArray | None  # column values of the best solution, if any
    objective: float | None
    bound: float | None  # dual bound (None when HiGHS has none)
    gap: float | None
    nodes: int
    seconds: float


def pass_formulation(h: highspy.Highs, form: Formulation) -> highspy.HighsStatus:
    """Hand `form` to the Highs instance `h` (price objective); returns HiGHS's status."""
    return h.passModel(
        form.num_cols,
        form.num_rows,
        len(form.value),
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMinimize),
        0.0,
        form.price,
        form.col_lower,
        form.col_upper,
        form.row_lower,
        form.row_upper,
        form.starts[:-1].astype(np.int32),
        form.index.astype(np.int32),
        form.value,
        form.integrality.astype(np.int32),
    )


class Milp:
    """One HiGHS model; objectives and objective-row bounds change between phases."""

    def __init__(self, form: Formulation) -> None:
        self.form = form
        self._h = quiet_highs()
        for name, value in (
            ("mip_rel_gap", 0.0),
            ("mip_abs_gap", ABS_GAP),
            ("random_seed", 0),
        ):
            self._h.setOptionValue(name, value)
        status = pass_formulation(self._h, form)
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the model")
        self._cost = form.price

    def set_objective(self, cost: FloatArray) -> None:
        if cost is self._cost:
            return
        idx = np.arange(len(cost), dtype=np.int32)
        self._h.changeColsCost(len(cost), idx, cost)
        self._cost = cost

    def set_row_bounds(self, row: int, lower: float, upper: float) -> None:
        self._h.changeRowBounds(row, lower, upper)

    def solve(self, time_limit: float, rel_gap: float = 0.0, cutoff: bool = False) -> Outcome:
        """Minimise the current objective.

        rel_gap > 0 (heuristic upper bounds only) lets HiGHS stop early; the outcome then
        never claims optimality.  cutoff=True says the caller bounded the objective by a
        known plan (an objective row), so the search is about proof, not finding plans.

        No MIP start is ever passed: with HiGHS 1.16, setSolution on a model that presolve
        reduces can value the start wrongly in the reduced space and report a false
        optimum (seen on our tie-break models).  A bound on the objective row gives the
        same pruning safely, and the caller keeps its plan when HiGHS finds nothing.
        """
        began = time.perf_counter()
        self._h.setOptionValue("time_limit", max(float(time_limit), 1e-3))
        self._h.setOptionValue("mip_rel_gap", rel_gap)
        self._light_heuristics(cutoff)
        self._h.run()
        out = self._outcome(time.perf_counter() - began)
        if rel_gap > 0 and out.status == OPTIMAL:
            out = replace(out, status=FEASIBLE)
        return out

    def _light_heuristics(self, on: bool) -> None:
        # With a known plan the phase is mostly about the proof: HiGHS's sub-MIP and
        # feasibility-jump heuristics then cost more time than they save (measured on
        # the 50,000-course instances).  Without one (OR-Library style), keep them.
        for name in HEAVY_HEURISTICS:
            self._h.setOptionValue(name, not on)
        self._h.setOptionValue("mip_heuristic_effort", 0.0 if on else DEFAULT_HEURISTIC_EFFORT)

    def _outcome(self, seconds: float) -> Outcome:
        model_status = self._h.getModelStatus()
        info = self._h.getInfo()
        nodes = int(info.mip_node_count)
        has_solution = int(info.primal_solution_status) == _FEASIBLE_SOLUTION
        if model_status in (_MODEL_STATUS.kInfeasible, _MODEL_STATUS.kUnboundedOrInfeasible):
            # All columns are bounded, so "unbounded or infeasible" can only be infeasible.
            return Outcome(INFEASIBLE, None, None, None, None, nodes, seconds)
        if not has_solution:
            return Outcome(TIMEOUT, None, None, _bound(info.mip_dual_bound), None, nodes, seconds)
        values = np.asarray(self._h.getSolution().col_value, dtype=np.float64)
        objective = float(self._cost @ values)
        bound = _bound(info.mip_dual_bound)
        if abs(objective - float(info.objective_function_value)) > 1e-6 * (1 + abs(objective)):
            # HiGHS's report does not match its own solution: trust neither its proof nor
            # its bound, only the solution (which the caller re-checks exactly).
            return Outcome(FEASIBLE, values, objective, None, 1.0, nodes, seconds)
        # A time limit can also stop HiGHS right when the integral gap has closed.
        closed = bound is not None and objective - bound < 1.0 - 1e-6
        proven = model_status == _MODEL_STATUS.kOptimal or closed
        status = OPTIMAL if proven else FEASIBLE
        gap = 0.0 if proven else _relative_gap(objective, bound)
        return Outcome(status, values, objective, bound, gap, nodes, seconds)


def _bound(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _relative_gap(objective: float, bound: float | None) -> float:
    if bound is None:
        return 1.0
    if abs(objective) < 1e-9:
        return 0.0 if bound >= -1e-9 else 1.0
    return max(0.0, (objective - bound) / abs(objective))
