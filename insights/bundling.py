"""Exact bundle suggestion: which of a provider's own courses to sell as one package.

Pure Python (no Django): the caller passes integers (cents, hundredths of a credit).

The problem
-----------
Shared prescriptions of one discipline are grouped into *patterns*: identical requirement
vectors r_q (hundredths of a credit per subcategory), each with a weight w_q = the number
of prescriptions that have exactly that vector. A package *fully covers* a prescription
when, in every subcategory it prescribes, the package's courses together carry at least
the prescribed credits. We want the package that fully covers as many prescriptions as
possible, and among those the cheapest (sum of the members' own prices), then the one
with the fewest courses.

The model (a maximum-coverage MILP, solved exactly with HiGHS)
--------------------------------------------------------------
    y_i in {0,1}   course i is in the package
    z_q in {0,1}   pattern q is fully covered

    sum_i min(a_ik, r_qk) * y_i  >=  r_qk * z_q      for every pattern q and k with r_qk > 0

Capping a_ik at r_qk changes no feasible (y, z) pair and keeps the relaxation tight.
Lexicographic objectives, each solved to proven optimality (all data are integers, so a
primal-dual gap below 1 proves it):

    phase 1:  C* = max sum_q w_q z_q            (skipped when a `target` weight is given)
    phase 2:  min sum_i (p_i * (n + 1) + 1) y_i   subject to  sum_q w_q z_q >= C*

The phase-2 weights make any cent of price outweigh all course-count differences (at most
n), so it returns the cheapest package and, among equally cheap ones, the smallest.
Patterns that even all courses together cannot cover are fixed to z_q = 0 beforehand.
If the time limit stops HiGHS first, the result says so (`proven` is False): it is then
the best package found, never called optimal.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from matching.solver.milp import quiet_highs

INF = highspy.kHighsInf
_OPTIMAL = highspy.HighsModelStatus.kOptimal
_INFEASIBLE = highspy.HighsModelStatus.kInfeasible
# Integer objectives: a gap below 1 between the solution and the bound proves optimality.
_ABS_GAP = 0.999
_FEASIBLE_SOLUTION = 2  # HiGHS primal_solution_status: a feasible solution exists
OPTIMAL, FEASIBLE, INFEASIBLE, TIMEOUT = "optimal", "feasible", "infeasible", "timeout"


@dataclass(frozen=True)
class CandidateCourse:
    code: str
    price: int  # cents (courses without a price of their own are not candidates)
    credits: Mapping[str, int]  # subcategory -> hundredths


@dataclass(frozen=True)
class Pattern:
    required: Mapping[str, int]  # subcategory -> hundredths (all > 0)
    weight: int  # number of prescriptions with exactly this requirement


@dataclass(frozen=True)
class Suggestion:
    courses: tuple[str, ...]  # chosen course codes, in input order
    price: int  # cents: the members' own prices summed
    covered_weight: int  # prescriptions (of the given patterns) fully covered
    total_weight: int
    proven: bool  # both phases proved optimal within the time limit
    seconds: float


def covers(credits: Mapping[str, int], required: Mapping[str, int]) -> bool:
    """Do these credits meet every prescribed subcategory?"""
    return all(credits.get(sub, 0) >= need for sub, need in required.items())


def package_credits(courses: Sequence[CandidateCourse]) -> dict[str, int]:
    total: dict[str, int] = {}
    for course in courses:
        for sub, value in course.credits.items():
            total[sub] = total.get(sub, 0) + value
    return total


def suggest_package(
    courses: Sequence[CandidateCourse],
    patterns: Sequence[Pattern],
    *,
    target: int | None = None,
    time_limit: float = 10.0,
) -> Suggestion:
    """The cheapest package covering the most prescriptions (see the module docstring).

    With `target`, phase 1 is skipped and the package only has to cover patterns of at
    least that total weight (capped at the most reachable). A result with no course means
    no pattern can be fully covered by these courses.
    """
    began = time.perf_counter()
    total = sum(p.weight for p in patterns)
    everything = package_credits(courses)
    reachable = [p for p in patterns if p.required and covers(everything, p.required)]
    if not reachable:
        return Suggestion((), 0, 0, total, True, time.perf_counter() - began)
    model = _Model(courses, reachable)
    deadline = began + time_limit
    chosen: list[int] | None = None
    proven = True
    if target is not None and 0 < target < sum(p.weight for p in reachable):
        chosen, status = model.cheapest_for(target, deadline)
        proven = status == OPTIMAL
        if status == INFEASIBLE:  # more than the most reachable: fall back to phase 1
            chosen = None
    if chosen is None:
        goal, status = model.max_coverage(deadline)
        chosen, status2 = model.cheapest_for(goal, deadline)
        proven = status == OPTIMAL and status2 == OPTIMAL
    picked = [courses[i] for i in chosen or ()]
    credits = package_credits(picked)
    covered = sum(p.weight for p in patterns if p.required and covers(credits, p.required))
    return Suggestion(
        courses=tuple(c.code for c in picked),
        price=sum(c.price for c in picked),
        covered_weight=covered,
        total_weight=total,
        proven=proven,
        seconds=time.perf_counter() - began,
    )


class _Model:
    """Columns: y_0..y_{n-1} (courses), then z_0..z_{m-1} (patterns).

    Rows: one coverage row per (pattern, prescribed subcategory), then one coverage-weight
    row (sum w_q z_q) whose lower bound phase 2 sets.
    """

    def __init__(self, courses: Sequence[CandidateCourse], patterns: Sequence[Pattern]) -> None:
        self.n, self.m = len(courses), len(patterns)
        self.weights = np.array([p.weight for p in patterns], dtype=np.float64)
        starts, index, value, lower = [0], [], [], []
        for q, pattern in enumerate(patterns):
            for sub, need in sorted(pattern.required.items()):
                for i, course in enumerate(courses):
                    have = min(course.credits.get(sub, 0), need)
                    if have > 0:
                        index.append(i)
                        value.append(float(have))
                index.append(self.n + q)
                value.append(-float(need))
                lower.append(0.0)
                starts.append(len(index))
        # The coverage-weight row.
        index.extend(self.n + q for q in range(self.m))
        value.extend(self.weights.tolist())
        lower.append(0.0)
        starts.append(len(index))
        self.weight_row = len(lower) - 1
        columns = self.n + self.m
        self.price_cost = np.zeros(columns)
        self.price_cost[: self.n] = [c.price * (self.n + 1) + 1 for c in courses]
        self.coverage_cost = np.zeros(columns)
        self.coverage_cost[self.n :] = -self.weights

        lp = highspy.HighsLp()
        lp.num_col_ = columns
        lp.num_row_ = len(lower)
        lp.col_cost_ = self.price_cost
        lp.col_lower_ = np.zeros(columns)
        lp.col_upper_ = np.ones(columns)
        lp.row_lower_ = np.array(lower)
        lp.row_upper_ = np.full(len(lower), INF)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(value, dtype=np.float64)
        lp.integrality_ = [highspy.HighsVarType.kInteger] * columns
        self.h = quiet_highs()
        for name, option in (
            ("mip_rel_gap", 0.0),
            ("mip_abs_gap", _ABS_GAP),
            ("random_seed", 0),
        ):
            self.h.setOptionValue(name, option)
        self.h.passModel(lp)

    def _run(self, cost: np.ndarray, goal: float, deadline: float) -> tuple[np.ndarray | None, str]:
        """Minimise `cost` with sum w_q z_q >= goal: (column values or None, status)."""
        self.h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
        self.h.changeRowBounds(self.weight_row, goal, INF)
        self.h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.05))
        self.h.run()
        status = self.h.getModelStatus()
        if status == _INFEASIBLE:
            return None, INFEASIBLE
        if int(self.h.getInfo().primal_solution_status) != _FEASIBLE_SOLUTION:
            return None, TIMEOUT
        values = np.asarray(self.h.getSolution().col_value, dtype=np.float64)
        return values, OPTIMAL if status == _OPTIMAL else FEASIBLE

    def max_coverage(self, deadline: float) -> tuple[int, str]:
        """Phase 1: the largest coverable weight (0 when the time limit found nothing)."""
        values, status = self._run(self.coverage_cost, 0.0, deadline)
        if values is None:
            return 0, status
        return round(float(np.dot(self.weights, values[self.n :]))), status

    def cheapest_for(self, goal: int, deadline: float) -> tuple[list[int], str]:
        """Phase 2: the cheapest, then smallest, package covering weight `goal`."""
        if goal <= 0:
            return [], OPTIMAL
        values, status = self._run(self.price_cost, float(goal), deadline)
        if values is None:
            return [], status
        return [i for i in range(self.n) if values[i] > 0.5], status
