"""Plans: what a MILP solution means, tidied and checked exactly in integers.

A plan is the set of candidates taken plus what is bought.  Every solution HiGHS returns
goes through `tidy`, which drops courses no requirement needs and purchases no taken
course needs (neither can make a plan worse), and `check`, which re-verifies the plan
with exact integer arithmetic so floating-point tolerances can never leak into a result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .formulation import FloatArray, Formulation
from .instance import Instance, Purchasable
from .model import Purchase


@dataclass(frozen=True)
class Plan:
    taken: frozenset[int]  # global candidate indices
    purchases: tuple[Purchasable, ...]
    price: int
    hours: int
    # Completion day (after T) of each taken course when it is not the course's earliest
    # due date (a variant column: the course then counts only toward the requirements
    # whose deadline it still meets).  Not part of a plan's identity.
    late: Mapping[int, int] = field(default_factory=dict, compare=False, hash=False)

    @property
    def count(self) -> int:
        return len(self.taken)

    def done_day(self, inst: Instance, i: int) -> int:
        """The day by which the plan completes candidate i."""
        return self.late.get(i, int(inst.due_days[i]))


def from_values(form: Formulation, values: FloatArray) -> Plan:
    """Read taken courses and purchases off a solution, then tidy and check them."""
    n = form.num_y
    y = values[:n] > 0.5
    taken = {int(g) for g in form.cand[y]}
    inst = form.inst
    done: dict[int, int] = {}
    for g, d in zip(form.cand[y].tolist(), form.y_day[y].tolist(), strict=True):
        done[g] = min(d, done.get(g, d))
    late = {g: d for g, d in done.items() if d > int(inst.due_days[g])}
    offers: list[Purchasable] = []
    for i in np.flatnonzero(y & form.direct):
        g = int(form.cand[i])
        course = inst.courses[g]
        offers.append(
            Purchasable("course", course.code, course.provider, int(form.direct_price[i]), (g,))
        )
    x = values[n : n + len(form.x_items)] > 0.5
    offers.extend(item for item, chosen in zip(form.x_items, x, strict=True) if chosen)
    return tidy(inst, taken, offers, late)


def tidy(
    inst: Instance,
    taken: Iterable[int],
    offers: Iterable[Purchasable],
    late: Mapping[int, int] | None = None,
) -> Plan:
    late = late or {}
    kept = _drop_unneeded_courses(inst, set(taken), late)
    purchases = _drop_unneeded_purchases(inst, kept, list(offers))
    plan = Plan(
        taken=frozenset(kept),
        purchases=tuple(sorted(purchases, key=lambda p: (p.kind != "package", p.code))),
        price=sum(p.price for p in purchases),
        hours=int(sum(int(inst.hours[i]) for i in kept)),
        late={i: d for i, d in late.items() if i in kept},
    )
    check(inst, plan)
    return plan


def _coverage(
    inst: Instance, taken: set[int], late: Mapping[int, int]
) -> tuple[dict[int, list[tuple[int, int]]], list[int]]:
    """Per taken course its (row, capped credit) pairs, and the total per requirement row.
    A course completed late (see Plan.late) gives only the entries due on or after then."""
    per_course: dict[int, list[tuple[int, int]]] = {i: [] for i in taken}
    totals = [0] * len(inst.keys)
    mask = np.isin(inst.coef_col, np.fromiter(taken, dtype=np.int64, count=len(taken)))
    for r, c, v, d in zip(
        inst.coef_row[mask].tolist(),
        inst.coef_col[mask].tolist(),
        inst.coef_val[mask].tolist(),
        inst.coef_day[mask].tolist(),
        strict=True,
    ):
        if d >= late.get(c, d):
            per_course[c].append((r, v))
            totals[r] += v
    return per_course, totals


def _drop_unneeded_courses(inst: Instance, taken: set[int], late: Mapping[int, int]) -> set[int]:
    """Greedily remove courses whose credits are not needed (longest first)."""
    per_course, totals = _coverage(inst, taken, late)
    need = inst.need.tolist()
    for i in sorted(taken, key=lambda i: (-int(inst.hours[i]), inst.courses[i].code)):
        if all(totals[r] - v >= need[r] for r, v in per_course[i]):
            taken.discard(i)
            for r, v in per_course[i]:
                totals[r] -= v
    return taken


def _drop_unneeded_purchases(
    inst: Instance, taken: set[int], offers: list[Purchasable]
) -> list[Purchasable]:
    """Keep only purchases that give access to a taken course nobody else covers."""
    to_buy = {i for i in taken if not inst.owned[i]}
    useful = [p for p in offers if to_buy.intersection(p.members)]
    # Most expensive first: dropping it saves the most.
    useful.sort(key=lambda p: (-p.price, p.code))
    cover: dict[int, int] = {}
    for p in useful:
        for i in to_buy.intersection(p.members):
            cover[i] = cover.get(i, 0) + 1
    kept: list[Purchasable] = []
    for p in useful:
        mine = to_buy.intersection(p.members)
        if all(cover[i] > 1 for i in mine):
            for i in mine:
                cover[i] -= 1
        else:
            kept.append(p)
    return kept


def check(inst: Instance, plan: Plan) -> None:
    """Raise if the plan breaks any rule (exact integers; a guard against tolerances)."""
    bought = {i for p in plan.purchases for i in p.members}
    for i in plan.taken:
        if not inst.owned[i] and i not in bought:
            raise RuntimeError(f"solver plan takes {inst.courses[i].code} without buying it")
    _, totals = _coverage(inst, set(plan.taken), plan.late)
    for r, key in enumerate(inst.keys):
        if totals[r] < int(inst.need[r]):
            raise RuntimeError(f"solver plan misses requirement {key}")
    if not schedulable(inst, plan.taken, plan.late):
        raise RuntimeError("solver plan breaks the weekly-hours rule")


def schedulable(
    inst: Instance, taken: Iterable[int], late: Mapping[int, int] | None = None
) -> bool:
    h = inst.problem.hours_per_week
    if h is None:
        return True
    late = late or {}
    load = 0
    days = {i: late.get(i, int(inst.due_days[i])) for i in taken}
    for i in sorted(days, key=lambda i: days[i]):
        load += 7 * int(inst.hours[i])
        if load > h * days[i]:
            return False
    return True


def as_purchases(plan: Plan) -> tuple[Purchase, ...]:
    return tuple(Purchase(kind=p.kind, code=p.code, price=p.price) for p in plan.purchases)
