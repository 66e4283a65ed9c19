"""Alternative bundles: labelled variants first, then "2nd cheapest", "3rd cheapest"...
by no-good cuts.

Every alternative has a course set different from all earlier bundles.  The cut used for
the next cheapest plan is the "not a superset" form  sum_{i in S} y_i <= |S| - 1  for every earlier
set S: it forbids S itself and S plus extra courses (a superset never costs less and is
just S padded), and it stays valid after `tidy`, which only removes courses.  So every
plan cheaper than the one found is an earlier bundle (or one padded with extra courses),
and its rank by price is one more than the number of earlier bundles that cost no more.
"""

from __future__ import annotations

import time

import numpy as np

from .core import price_out
from .formulation import FloatArray, Formulation
from .instance import BoolArray, IntArray
from .model import INFEASIBLE, OPTIMAL
from .objectives import Objective
from .plan import Plan
from .search import INF, MIN_PHASE_SECONDS, Budget, PhaseLog, lexicographic

P, H, C = Objective.PRICE, Objective.HOURS, Objective.COUNT
VARIANTS: tuple[tuple[str, tuple[Objective, ...]], ...] = (
    ("fewest hours", (H, P, C)),
    ("fewest courses", (C, P, H)),
)
NEXT_CHEAPEST = "next cheapest"  # the phase name; bundles get "2nd cheapest", ...
SINGLE_PROVIDER = "single provider: "
SINGLE_PROVIDER_NOTE = "single_provider_search"  # PhaseLog.notes: "complete" | "stopped"
SINGLE_PROVIDER_SHARE = 0.3
SINGLE_PROVIDER_TRIES = 4  # a provider's MILP may use 1/4 of the variant's time left


class _Collector:
    def __init__(self, first: Plan, wanted: int) -> None:
        self.wanted = wanted
        self.first = first
        self.found: list[tuple[str, Plan]] = []
        self.seen: list[frozenset[int]] = [first.taken]

    @property
    def missing(self) -> int:
        return self.wanted - len(self.found)

    def prices(self) -> list[int]:
        return [self.first.price, *(plan.price for _, plan in self.found)]

    def offer(self, label: str, plan: Plan | None) -> None:
        if plan is not None and self.missing > 0 and plan.taken not in self.seen:
            self.found.append((label, plan))
            self.seen.append(plan.taken)


def _shares(missing: int) -> tuple[float, float, float]:
    """Fractions of the time left for the three phases of one alternative."""
    f = 1.0 / max(1, missing)
    return (0.6 * f, 0.4 * f, 0.4 * f)


def find(
    form: Formulation, first: Plan, wanted: int, budget: Budget, log: PhaseLog
) -> list[tuple[str, Plan]]:
    """Up to `wanted` alternatives to bundle 1 (`first`), labelled, in order."""
    got = _Collector(first, wanted)
    for label, objectives in VARIANTS:
        if got.missing <= 0 or budget.left() < MIN_PHASE_SECONDS:
            break
        shares = _shares(got.missing)
        _, plan = lexicographic(form, objectives, budget, shares, log, label, start=first)
        got.offer(label, plan)
    if got.missing > 0 and budget.left() >= MIN_PHASE_SECONDS:
        # Many providers mean many small MILPs: bound the variant's share of the time.
        seconds = budget.left() * SINGLE_PROVIDER_SHARE / got.missing
        single = cheapest_single_provider(form, seconds, log, got.seen)
        if single is not None:
            got.offer(SINGLE_PROVIDER + single[0], single[1])
    _next_cheapest(form, got, budget, log)
    return got.found


def _next_cheapest(form: Formulation, got: _Collector, budget: Budget, log: PhaseLog) -> None:
    while got.missing > 0 and budget.left() >= MIN_PHASE_SECONDS:
        if any(not s for s in got.seen):
            return  # an empty plan: every other plan is a padded copy of it
        cut = form.with_rows([_not_superset(form, s) for s in got.seen])
        shares = _shares(got.missing)
        _, plan = lexicographic(cut, (P, H, C), budget, shares, log, NEXT_CHEAPEST)
        if plan is None or plan.taken in got.seen:
            return
        got.offer(cheapest_label(got.prices(), plan.price), plan)


def cheapest_label(earlier: list[int], price: int) -> str:
    """ "2nd cheapest", "3rd cheapest", ...: one more than the earlier bundles costing no
    more (the next cheapest plan is at least as dear as every cheaper plan found)."""
    rank = 1 + sum(1 for p in earlier if p <= price)
    suffix = (
        "th" if rank % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    )
    return f"{rank}{suffix} cheapest"


def _not_superset(
    form: Formulation, taken: frozenset[int]
) -> tuple[IntArray, FloatArray, float, float]:
    cols = form.y_columns(taken)
    return cols, np.ones(len(cols)), -INF, float(len(taken) - 1)


def cheapest_single_provider(
    form: Formulation, seconds: float, log: PhaseLog, seen: list[frozenset[int]]
) -> tuple[str, Plan] | None:
    """Cheapest plan whose courses and purchases all come from one provider, among the
    providers whose own cheapest plan is not already an earlier bundle (when bundle 1 is
    already single-provider, the variant offers the next provider instead).

    One LP pricing of the whole model gives every provider a Lagrangian lower bound (the
    same duals, with only that provider's columns); providers are tried from the lowest
    bound up, each bounded to beat the best so far, and the search stops once no bound
    can beat it, so a catalog with many providers needs only a few MILPs.
    """
    end = time.perf_counter() + seconds
    names = [form.inst.courses[i].provider for i in form.cand.tolist()]
    names += [p.provider for p in form.x_items]
    providers, pid = np.unique(np.array(names, dtype=object), return_inverse=True)
    column_provider = np.concatenate([pid, np.full(len(form.s_days), -1)])
    lower = _provider_bounds(form, column_provider, len(providers), end)
    guess = _provider_guess(form, column_provider, len(providers))
    order = sorted(range(len(providers)), key=lambda n: (lower[n], guess[n], str(providers[n])))
    cover = _Cover(form)
    best: tuple[str, Plan] | None = None
    # "complete" once every provider was settled (solved to the end, or excluded by its
    # bound or its coverage): then no single-provider plan outside `seen` is cheaper.
    log.notes[SINGLE_PROVIDER_NOTE] = "stopped"
    complete = True
    for pos, n in enumerate(order):
        left = end - time.perf_counter()
        if left < MIN_PHASE_SECONDS:
            complete = False
            break
        if best is not None and np.ceil(lower[n] - 1e-6) >= best[1].price:
            break  # no remaining provider can be strictly cheaper
        keep = (column_provider == n) | (column_provider < 0)
        if not cover.possible(keep):
            continue
        sub = form.subset(keep)
        if best is not None:
            sub = sub.with_row_upper(sub.price_row, best[1].price - 0.5)
        share = Budget(left / min(len(order) - pos, SINGLE_PROVIDER_TRIES))
        provider = str(providers[n])
        out, plan = lexicographic(sub, (P, H), share, (0.7, 1.0), log, f"single:{provider}")
        if out.status not in {OPTIMAL, INFEASIBLE}:
            complete = False
        if plan is not None and plan.taken not in seen:
            best = (provider, plan)  # the cutoff row makes it strictly cheaper
    log.notes[SINGLE_PROVIDER_NOTE] = "complete" if complete else "stopped"
    return best


def _provider_bounds(
    form: Formulation, column_provider: IntArray, providers: int, end: float
) -> FloatArray:
    """Per provider, a lower bound on the price of its single-provider plans (0 if the LP
    pricing does not finish in time)."""
    pricing = price_out(form, form.price, time.perf_counter() + (end - time.perf_counter()) / 4)
    if pricing is None:
        return np.zeros(providers)
    negative = np.minimum(pricing.reduced, 0.0) * form.col_upper
    rows_part = pricing.bound - float(negative.sum())
    shared = float(negative[column_provider < 0].sum())
    own = column_provider >= 0
    per = np.bincount(column_provider[own], weights=negative[own], minlength=providers)
    return np.asarray(rows_part + shared + per, dtype=np.float64)


def _provider_guess(form: Formulation, column_provider: IntArray, providers: int) -> FloatArray:
    """Ordering heuristic only: per provider, sum over requirements of the need times the
    best price per credit among its courses (courses bought through packages count as
    free, so this is optimistic)."""
    end = int(form.starts[form.num_cover])
    rows = form.entry_rows()[:end]
    cols = form.index[:end]
    ratio = form.price[cols] / form.value[:end]
    best = np.full((providers, form.num_cover), np.inf)
    np.minimum.at(best, (column_provider[cols], rows), ratio)
    return np.asarray(best @ form.row_lower[: form.num_cover], dtype=np.float64)


class _Cover:
    """Cheap necessary condition for a column subset: its courses together meet every
    requirement (ignoring whether they can be bought, which the MILP settles)."""

    def __init__(self, form: Formulation) -> None:
        end = int(form.starts[form.num_cover])
        self.k = form.num_cover
        self.rows = form.entry_rows()[:end]
        self.cols = form.index[:end]
        self.vals = form.value[:end]
        self.need = form.row_lower[: self.k]
        self.takeable = form.col_upper[self.cols] > 0

    def possible(self, keep: BoolArray) -> bool:
        usable = keep[self.cols] & self.takeable
        got = np.bincount(self.rows[usable], weights=self.vals[usable], minlength=self.k)
        return bool(np.all(got >= self.need - 1e-9))
