"""Turns an Instance into MILP arrays for HiGHS, and cuts sub-models out of them.

Columns, in order:
  y_v  (binary)      take candidate cand[v], completing it by day y_day[v].  Normally one
                     column per candidate (v = i).  With requirements of different
                     deadlines and a binding weekly-hours rule, a candidate whose credit
                     entries have several due dates gets one column per due date d
                     ("variants"): the column gives the credits of the entries due on or
                     after d (the requirements whose deadline it then still meets) and
                     loads the schedule at d.  At most one variant per candidate (choice
                     rows), so a course counts once; this is exactly the contract's rule
                     that a course is finished by the earliest deadline among the
                     requirements the plan counts it for.
                     A candidate with a single column that can only be bought alone
                     carries its price on y directly (no separate purchase column, no
                     link row): in a 50,000-course catalog that is nearly every course.
  x_j  (binary)      buy purchasable j (packages, and single courses that are also in a
                     package).
  s_k  (continuous)  study hours (x7) of the chosen courses due on or before the k-th
                     distinct due date; a chain s_k >= s_{k-1} + load_k keeps the schedule
                     rules O(courses) in size instead of O(courses x dates).

Rows, in order: requirement covers (>= need; the only rows with a positive lower bound),
links y_v <= sum of x_j containing cand[v], choice rows (sum of a candidate's variants
<= 1), the schedule chain, three objective rows (price,
hours, course count; free until an objective is fixed for a later lexicographic phase),
then any cuts added by `with_rows`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from .instance import BoolArray, Instance, IntArray, Purchasable

FloatArray = npt.NDArray[np.float64]
INF = float("inf")


@dataclass(frozen=True)
class Formulation:
    inst: Instance
    cand: IntArray  # y column -> global candidate index (cand[i] = i for i < candidates)
    y_day: IntArray  # y column -> the day (after T) by which it completes its course
    direct: BoolArray  # y carries the price of buying the course alone
    direct_price: IntArray  # that price (0 where not direct)
    x_items: tuple[Purchasable, ...]  # x columns
    s_days: IntArray  # due day (days after T) of each s column
    s_kept: BoolArray  # s columns still in the chain (see relax_schedule)
    col_lower: FloatArray
    col_upper: FloatArray
    integrality: IntArray
    row_lower: FloatArray
    row_upper: FloatArray
    starts: IntArray  # row-wise CSR, len = rows + 1
    index: IntArray
    value: FloatArray
    price: FloatArray  # objective vectors over all columns
    hours: FloatArray
    count: FloatArray
    num_cover: int  # rows 0 .. num_cover-1 are the requirement covers
    link_rows: tuple[int, int]  # [first, end) of the link rows
    schedule_first: int  # first schedule row; the chain has one row per s column
    price_row: int
    hours_row: int
    count_row: int

    @property
    def num_y(self) -> int:
        return len(self.cand)

    @property
    def num_x(self) -> int:
        return len(self.x_items)

    @property
    def num_cols(self) -> int:
        return len(self.col_lower)

    @property
    def num_rows(self) -> int:
        return len(self.row_lower)

    def entry_rows(self) -> IntArray:
        """Row of every CSR entry."""
        return np.repeat(np.arange(self.num_rows), np.diff(self.starts))

    def subset(self, keep: BoolArray) -> Formulation:
        """The same model restricted to the columns in `keep` (schedule columns always stay).

        Dropping a column is fixing it to zero, so every plan of the subset is a plan of
        the whole model; callers drop only columns proven unnecessary.
        """
        n, m = self.num_y, self.num_x
        rows = self.entry_rows()
        keep = self.closure(keep, rows)
        new_id = np.cumsum(keep) - 1
        kept = keep[self.index]
        counts = np.bincount(rows[kept], minlength=self.num_rows)
        starts = np.zeros(self.num_rows + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        ky, kx = keep[:n], keep[n : n + m]
        return replace(
            self,
            cand=self.cand[ky],
            y_day=self.y_day[ky],
            direct=self.direct[ky],
            direct_price=self.direct_price[ky],
            x_items=tuple(p for p, k in zip(self.x_items, kx, strict=True) if k),
            col_lower=self.col_lower[keep],
            col_upper=self.col_upper[keep],
            integrality=self.integrality[keep],
            starts=starts,
            index=new_id[self.index[kept]],
            value=self.value[kept],
            price=self.price[keep],
            hours=self.hours[keep],
            count=self.count[keep],
        )

    def closure(self, keep: BoolArray, rows: IntArray | None = None) -> BoolArray:
        """The columns `subset(keep)` really keeps: schedule columns are added, and y
        columns whose every purchase column is dropped go too (they are 0 anyway)."""
        keep = keep.copy()
        keep[self.num_y + self.num_x :] = True
        lo, hi = self.link_rows
        if hi <= lo:
            return keep
        rows = self.entry_rows() if rows is None else rows
        in_link = (rows >= lo) & (rows < hi)
        buyable = in_link & (self.value < 0) & keep[self.index]
        alive = np.zeros(hi - lo, dtype=np.bool_)
        alive[rows[buyable] - lo] = True
        y_entries = in_link & (self.value > 0)
        keep[self.index[y_entries][~alive[rows[y_entries] - lo]]] = False
        return keep

    def purchase_columns(self, ys: IntArray) -> IntArray:
        """The x columns through which the given y columns can be bought."""
        lo, hi = self.link_rows
        if hi <= lo or len(ys) == 0:
            return np.zeros(0, dtype=np.int64)
        rows = self.entry_rows()
        in_link = (rows >= lo) & (rows < hi)
        mine = in_link & (self.value > 0) & np.isin(self.index, ys)
        partners = in_link & (self.value < 0) & np.isin(rows, rows[mine])
        return self.index[partners]

    def relax_schedule(self, binding: BoolArray) -> Formulation:
        """Keep the weekly-hours rule only at the due dates flagged `binding`.

        The loads of a non-binding date move to the next binding date's row (the chain
        then skips it); loads after the last binding date need no row.  Callers flag a
        date non-binding only when no plan of interest can exceed its capacity.
        """
        q = len(self.s_days)
        binding = binding & self.s_kept
        if q == 0 or np.array_equal(binding, self.s_kept):
            return self
        first_s = self.num_y + self.num_x
        rows = self.entry_rows()
        lo, hi = self.schedule_first, self.schedule_first + q
        in_chain = (rows >= lo) & (rows < hi)
        loads = in_chain & (self.index < first_s)
        kept_dates = np.flatnonzero(binding)
        target = np.searchsorted(kept_dates, rows[loads] - lo)  # next binding date
        has = target < len(kept_dates)
        t = len(kept_dates)
        new_r = np.concatenate(
            [
                rows[~in_chain],
                lo + kept_dates[target[has]],
                lo + kept_dates,
                lo + kept_dates[1:],
            ]
        )
        new_c = np.concatenate(
            [
                self.index[~in_chain],
                self.index[loads][has],
                first_s + kept_dates,
                first_s + kept_dates[:-1],
            ]
        )
        new_v = np.concatenate(
            [self.value[~in_chain], self.value[loads][has], -np.ones(t), np.ones(max(t - 1, 0))]
        )
        order = np.argsort(new_r, kind="stable")
        starts = np.zeros(self.num_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(new_r, minlength=self.num_rows), out=starts[1:])
        upper = self.col_upper.copy()
        upper[first_s:][~binding] = 0.0
        return replace(
            self,
            starts=starts,
            index=new_c[order],
            value=new_v[order],
            col_upper=upper,
            s_kept=binding,
        )

    def with_rows(self, rows: Sequence[tuple[IntArray, FloatArray, float, float]]) -> Formulation:
        """Append rows given as (columns, values, lower, upper)."""
        if not rows:
            return self
        sizes = np.array([len(cols) for cols, _, _, _ in rows], dtype=np.int64)
        starts = np.concatenate([self.starts, self.starts[-1] + np.cumsum(sizes)])
        return replace(
            self,
            starts=starts,
            index=np.concatenate([self.index, *(cols for cols, _, _, _ in rows)]),
            value=np.concatenate([self.value, *(vals for _, vals, _, _ in rows)]),
            row_lower=np.concatenate([self.row_lower, [lo for _, _, lo, _ in rows]]),
            row_upper=np.concatenate([self.row_upper, [hi for _, _, _, hi in rows]]),
        )

    def with_row_upper(self, row: int, upper: float) -> Formulation:
        bounds = self.row_upper.copy()
        bounds[row] = upper
        return replace(self, row_upper=bounds)

    def y_columns(self, taken: frozenset[int]) -> IntArray:
        """Columns of the given candidates (those present in this model)."""
        return np.flatnonzero(np.isin(self.cand, np.fromiter(taken, np.int64, len(taken))))


class _Rows:
    """Collects row blocks as COO triplets and emits row-wise CSR."""

    def __init__(self) -> None:
        self.n = 0
        self._r: list[IntArray] = []
        self._c: list[IntArray] = []
        self._v: list[FloatArray] = []
        self.lower: list[FloatArray] = []
        self.upper: list[FloatArray] = []

    def add(
        self, rows: IntArray, cols: IntArray, vals: FloatArray, lo: FloatArray, hi: FloatArray
    ) -> int:
        """Add len(lo) rows; `rows` are 0-based within the block. Returns the first row id."""
        first = self.n
        self._r.append(rows + first)
        self._c.append(cols)
        self._v.append(vals)
        self.lower.append(lo)
        self.upper.append(hi)
        self.n += len(lo)
        return first

    def csr(self) -> tuple[FloatArray, FloatArray, IntArray, IntArray, FloatArray]:
        rows = np.concatenate(self._r)
        cols = np.concatenate(self._c)
        vals = np.concatenate(self._v)
        order = np.argsort(rows, kind="stable")
        counts = np.bincount(rows, minlength=self.n)
        starts = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        lo = np.concatenate(self.lower)
        hi = np.concatenate(self.upper)
        return lo, hi, starts, cols[order], vals[order].astype(np.float64)


def build(inst: Instance) -> Formulation:
    """The MILP over every candidate and package of the instance."""
    n = len(inst.courses)
    packages, members = _package_members(inst)
    in_package = np.bincount(members[1], minlength=n) > 0
    owned = inst.owned
    single = inst.single_price
    has_single = single >= 0
    takeable = owned | has_single | in_package
    cols = _Columns.of(inst, takeable)
    multi = np.zeros(n, dtype=np.bool_)
    multi[cols.cand[n:]] = True
    direct = has_single & ~in_package & ~owned & ~multi
    # Singles that compete with a package, or whose course has variants, get an x column.
    split = np.flatnonzero(has_single & (in_package | multi) & ~owned)
    x_items = tuple(
        Purchasable("course", inst.courses[i].code, inst.courses[i].provider, int(single[i]), (i,))
        for i in split.tolist()
    ) + tuple(packages)
    m = len(x_items)
    ny = len(cols.cand)
    y_direct = np.zeros(ny, dtype=np.bool_)
    y_direct[:n] = direct

    rows = _Rows()
    rows.add(
        inst.coef_row[cols.entry],
        cols.entry_col,
        inst.coef_val[cols.entry].astype(np.float64),
        inst.need.astype(np.float64),
        np.full(len(inst.keys), INF),
    )
    link_first = rows.n
    _add_link_rows(rows, cols.cand, owned, y_direct, takeable, split, members, ny)
    link_end = rows.n
    _add_choice_rows(rows, cols.cand, n)
    schedule_first = rows.n
    s_days, s_caps = _add_schedule_rows(rows, inst, cols, takeable, ny + m)
    q = len(s_days)

    ncol = ny + m + q
    price = np.zeros(ncol)
    price[:ny] = np.where(y_direct, single[cols.cand], 0)
    price[ny : ny + m] = [p.price for p in x_items]
    hours = np.zeros(ncol)
    hours[:ny] = inst.hours[cols.cand]
    count = np.zeros(ncol)
    count[:ny] = 1.0
    objective_rows = [_objective_row(rows, vec) for vec in (price, hours, count)]

    lo, hi, starts, index, value = rows.csr()
    return Formulation(
        inst=inst,
        cand=cols.cand,
        y_day=cols.day,
        direct=y_direct,
        direct_price=np.where(y_direct, single[cols.cand], 0),
        x_items=x_items,
        s_days=s_days,
        s_kept=np.ones(q, dtype=np.bool_),
        col_lower=np.zeros(ncol),
        col_upper=np.concatenate([takeable[cols.cand].astype(np.float64), np.ones(m), s_caps]),
        integrality=np.concatenate([np.ones(ny + m, np.int64), np.zeros(q, np.int64)]),
        row_lower=lo,
        row_upper=hi,
        starts=starts,
        index=index,
        value=value,
        price=price,
        hours=hours,
        count=count,
        num_cover=len(inst.keys),
        link_rows=(link_first, link_end),
        schedule_first=schedule_first,
        price_row=objective_rows[0],
        hours_row=objective_rows[1],
        count_row=objective_rows[2],
    )


@dataclass(frozen=True)
class _Columns:
    """The y columns: candidate, completion day, and which credit entries each holds."""

    cand: IntArray  # column -> candidate; the first len(courses) columns are cand = i
    day: IntArray  # column -> completion day
    entry: IntArray  # credit entries (indices into inst.coef_*) per cover coefficient
    entry_col: IntArray  # the column of each such coefficient

    @staticmethod
    def of(inst: Instance, takeable: BoolArray) -> _Columns:
        n = len(inst.courses)
        base = _Columns(
            np.arange(n), inst.due_days.copy(), np.arange(len(inst.coef_col)), inst.coef_col
        )
        if not _needs_variants(inst, takeable):
            return base
        latest = np.full(n, -1, dtype=np.int64)
        np.maximum.at(latest, inst.coef_col, inst.coef_day)
        multi = np.flatnonzero(takeable & (latest > inst.due_days))
        cand, day = [base.cand], [base.day]
        entry, entry_col = [base.entry], [base.entry_col]
        by_course = {int(i): np.flatnonzero(inst.coef_col == i) for i in multi}
        col = n
        for i, mine in by_course.items():
            days = inst.coef_day[mine]
            for d in np.unique(days)[1:].tolist():  # the earliest is the base column
                later = mine[days >= d]
                cand.append(np.array([i]))
                day.append(np.array([d]))
                entry.append(later)
                entry_col.append(np.full(len(later), col))
                col += 1
        return _Columns(
            np.concatenate(cand),
            np.concatenate(day),
            np.concatenate(entry),
            np.concatenate(entry_col),
        )


def _needs_variants(inst: Instance, takeable: BoolArray) -> bool:
    """Variants matter only when some course has entries with different due dates and the
    weekly-hours rule can bind with every course at its earliest due date (otherwise
    every course can be finished by its earliest due date and count everywhere)."""
    if inst.problem.hours_per_week is None or len(inst.coef_col) == 0:
        return False
    if np.all(inst.coef_day == inst.due_days[inst.coef_col]):
        return False
    return _schedule_binds(inst.problem.hours_per_week, inst.due_days, inst.hours, takeable)


def _schedule_binds(h: int, days: IntArray, hours: IntArray, takeable: BoolArray) -> bool:
    load = 7 * hours
    active = takeable & (load > 0)
    uniq, per_day = np.unique(days[active], return_inverse=True)
    worst = np.cumsum(np.bincount(per_day, weights=load[active], minlength=len(uniq)))
    return bool(np.any(worst > h * uniq))


def _package_members(inst: Instance) -> tuple[list[Purchasable], tuple[IntArray, IntArray]]:
    """Packages and their (package offset, candidate) membership pairs."""
    pkg_ids = [j for j, p in enumerate(inst.packages) for _ in p.members]
    ys = [i for p in inst.packages for i in p.members]
    return list(inst.packages), (np.array(pkg_ids, dtype=np.int64), np.array(ys, np.int64))


def _add_link_rows(
    rows: _Rows,
    cand: IntArray,
    owned: BoolArray,
    direct: BoolArray,
    takeable: BoolArray,
    split: IntArray,
    members: tuple[IntArray, IntArray],
    ny: int,
) -> None:
    """y_v - sum_{j contains cand[v]} x_j <= 0 for columns bought through x columns."""
    linked = np.flatnonzero(~owned[cand] & ~direct & takeable[cand])
    if len(linked) == 0:
        return
    pkg_ids, ys = members
    # (x column, candidate) pairs: competing singles first, then package memberships.
    x_col = np.concatenate([ny + np.arange(len(split)), ny + len(split) + pkg_ids])
    x_cand = np.concatenate([split, ys])
    order = np.argsort(x_cand, kind="stable")
    x_col, x_cand = x_col[order], x_cand[order]
    link_cand = cand[linked]
    first = np.searchsorted(x_cand, link_cand, side="left")
    last = np.searchsorted(x_cand, link_cand, side="right")
    sizes = last - first
    row_ids = np.repeat(np.arange(len(linked)), sizes)
    offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    partners = x_col[np.repeat(first, sizes) + offsets]
    r = np.concatenate([np.arange(len(linked)), row_ids])
    c = np.concatenate([linked, partners])
    v = np.concatenate([np.ones(len(linked)), -np.ones(len(partners))])
    k = len(linked)
    rows.add(r, c, v, np.full(k, -INF), np.zeros(k))


def _add_choice_rows(rows: _Rows, cand: IntArray, n: int) -> None:
    """At most one column per candidate with variants (a course counts once)."""
    extra = cand[n:]
    if len(extra) == 0:
        return
    courses = np.unique(extra)
    row_of = np.full(n, -1, dtype=np.int64)
    row_of[courses] = np.arange(len(courses))
    cols = np.concatenate([courses, n + np.arange(len(extra))])
    r = row_of[cand[cols]]
    k = len(courses)
    rows.add(r, cols, np.ones(len(cols)), np.full(k, -INF), np.ones(k))


def _add_schedule_rows(
    rows: _Rows, inst: Instance, cols: _Columns, takeable: BoolArray, first_s: int
) -> tuple[IntArray, FloatArray]:
    """The weekly-hours chain; returns (distinct due days, caps) of the s columns it adds.

    Row k:  sum_{day_v = d_k} 7 hours_v y_v + s_{k-1} - s_k <= 0,  0 <= s_k <= h * d_k,
    so s_k is at least the x7 load due by d_k, which must fit h * days(T, d_k): exactly
    7 * sum_{day_v <= d} hours_v y_v <= h * days(T, d) for every due date d (§4.3).
    """
    none = (np.zeros(0, np.int64), np.zeros(0))
    h = inst.problem.hours_per_week
    if h is None:
        return none
    if not _schedule_binds(h, inst.due_days, inst.hours, takeable):
        return none  # even taking everything by its earliest due date fits
    load = 7 * inst.hours[cols.cand]
    active = takeable[cols.cand] & (load > 0)
    uniq, per_day = np.unique(cols.day[active], return_inverse=True)
    caps = h * uniq
    q = len(uniq)
    ys = np.flatnonzero(active)
    s_cols = first_s + np.arange(q)
    r = np.concatenate([per_day, np.arange(q), np.arange(1, q)])
    c = np.concatenate([ys, s_cols, s_cols[:-1]])
    v = np.concatenate([load[active].astype(np.float64), -np.ones(q), np.ones(q - 1)])
    rows.add(r, c, v, np.full(q, -INF), np.zeros(q))
    return uniq, caps.astype(np.float64)


def _objective_row(rows: _Rows, vec: FloatArray) -> int:
    nz = np.flatnonzero(vec)
    return rows.add(np.zeros(len(nz), np.int64), nz, vec[nz], np.array([-INF]), np.array([INF]))
