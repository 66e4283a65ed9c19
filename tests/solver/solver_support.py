"""Helpers for the solver tests: builders, an independent rule checker, brute force.

Nothing here imports the solver's internals: the checker and the brute force re-implement
the contract's rules (docs/exchange-format.md §4, §6) from scratch, so the tests compare
two independent readings of the rules.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from matching.solver import Bundle, Course, Extra, Package, Problem, Result

T0 = date(2026, 1, 1)
D0 = date(2026, 12, 31)


def day(n: int) -> date:
    """T0 + n days."""
    return T0 + timedelta(days=n)


def course(
    code: str,
    credits: Mapping[str, int],
    price: int | None = 1000,
    *,
    hours: int = 100,
    ce: int | None = None,
    provider: str = "p1",
    fmt: str = "online",
    expires: date | None = None,
    event: date | None = None,
) -> Course:
    return Course(
        code=code,
        provider=provider,
        price=price,
        hours=hours,
        ce_credits=sum(credits.values()) if ce is None else ce,
        credits=dict(credits),
        format=fmt,
        approval_expires=expires,
        event_date=event,
    )


def problem(
    required: Mapping[str, int],
    courses: Iterable[Course],
    packages: Iterable[Package] = (),
    **kw: Any,
) -> Problem:
    kw.setdefault("as_of", T0)
    kw.setdefault("deadline", D0)
    return Problem(required=dict(required), courses=tuple(courses), packages=tuple(packages), **kw)


# --- the rules, re-implemented -------------------------------------------------------------


def eligible(c: Course, p: Problem) -> bool:
    if c.code in p.completed or c.provider in p.exclude_providers:
        return False
    if p.formats is not None and c.format not in p.formats:
        return False
    if c.event_date is not None and not (p.as_of <= c.event_date <= p.deadline):
        return False
    if c.approval_expires is not None and c.approval_expires < p.as_of:
        return False
    return p.deadline >= p.as_of


def due(c: Course, p: Problem) -> date:
    return min(d for d in (p.deadline, c.approval_expires, c.event_date) if d is not None)


def gives(c: Course, p: Problem) -> dict[str, int]:
    """Credits of one course per requirement key (subcategories and extra keys)."""
    out = {k: c.credits.get(k, 0) for k in p.required}
    kinds = {e.kind for e in p.extras}
    if "total_ce" in kinds:
        out["total_ce"] = c.ce_credits
    if "total_discipline" in kinds:
        out["total_discipline"] = sum(c.credits.values())
    if "major_minimum" in kinds:
        for major in set(p.majors.values()):
            out[f"major:{major}"] = sum(v for s, v in c.credits.items() if p.majors.get(s) == major)
    return out


def targets(p: Problem) -> dict[str, int]:
    out = dict(p.required)
    for e in p.extras:
        keys = (
            [f"major:{m}" for m in set(p.majors.values())]
            if e.kind == "major_minimum"
            else [e.kind]
        )
        for k in keys:
            out[k] = max(out.get(k, 0), e.credits)
    return out


def remaining(p: Problem) -> dict[str, int]:
    rem = targets(p)
    for c in p.courses:
        if c.code in p.completed:
            for k, v in gives(c, p).items():
                rem[k] -= v
    return {k: max(0, v) for k, v in rem.items()}


def covers(p: Problem, taken: Iterable[Course]) -> bool:
    rem = remaining(p)
    got = dict.fromkeys(rem, 0)
    for c in taken:
        for k, v in gives(c, p).items():
            got[k] += v
    return all(got[k] >= rem[k] for k in rem)


def schedulable(p: Problem, taken: Iterable[Course]) -> bool:
    h = p.hours_per_week
    if h is None:
        return True
    taken = list(taken)
    for c in taken:
        d = due(c, p)
        load = sum(o.hours for o in taken if due(o, p) <= d)
        if 7 * load > h * (d - p.as_of).days:
            return False
    return True


def check_bundle(p: Problem, b: Bundle) -> None:
    """Assert that a bundle obeys every rule, from the contract alone."""
    by_code = {c.code: c for c in p.courses}
    pkgs = {k.code: k for k in p.packages}
    taken = [by_code[code] for code in b.courses]
    assert len(set(b.courses)) == len(b.courses), "a course is taken twice"
    assert all(eligible(c, p) for c in taken), "an ineligible course is recommended"
    access: set[str] = set(p.owned)
    for buy in b.purchases:
        if buy.kind == "course":
            c = by_code[buy.code]
            assert c.price == buy.price and c.price is not None
            assert c.provider not in p.exclude_providers
            access.add(c.code)
        else:
            pack = pkgs[buy.code]
            assert pack.price == buy.price and pack.provider not in p.exclude_providers
            access.update(pack.courses)
    assert all(c.code in access for c in taken), "a taken course is not bought or owned"
    assert b.price == sum(buy.price for buy in b.purchases)
    assert b.hours == sum(c.hours for c in taken)
    assert b.ce_credits == sum(c.ce_credits for c in taken)
    assert covers(p, taken), "requirements not met"
    assert schedulable(p, taken), "weekly-hours rule broken"
    rem = remaining(p)
    for k in rem:
        assert b.credits[k] == sum(gives(c, p)[k] for c in taken)
    check_schedule(p, b)


def check_schedule(p: Problem, b: Bundle) -> None:
    assert [s.course for s in b.schedule] == list(b.courses)
    by_code = {c.code: c for c in p.courses}
    keys = [(due(by_code[s.course], p), by_code[s.course].hours, s.course) for s in b.schedule]
    assert keys == sorted(keys), "schedule is not earliest-due-first"
    total = 0
    for s in b.schedule:
        total += by_code[s.course].hours
        assert s.complete_by == due(by_code[s.course], p)
        assert s.cumulative_hours == total
        if p.hours_per_week is None:
            assert s.start_by is None and s.slack_days is None
        else:
            assert s.start_by is not None and s.finish_by is not None and s.slack_days is not None
            assert p.as_of <= s.start_by <= s.finish_by <= s.complete_by
            assert s.slack_days == (s.complete_by - s.finish_by).days >= 0
    if b.schedule and p.hours_per_week is not None:
        assert b.slack_days == min(s.slack_days for s in b.schedule if s.slack_days is not None)


# --- brute force ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Best:
    price: int
    hours: int
    count: int
    plans: int  # number of distinct feasible course sets


def purchase_costs(p: Problem, pool: list[Course]) -> dict[int, int]:
    """Cheapest cost to get access to every course of each subset (bit mask over pool)."""
    bit = {c.code: 1 << i for i, c in enumerate(pool)}
    offers: list[tuple[int, int]] = [
        (bit[c.code], c.price) for c in pool if c.price is not None and c.code not in p.owned
    ]
    for k in p.packages:
        if k.provider not in p.exclude_providers:
            mask = sum(bit.get(code, 0) for code in set(k.courses))
            offers.append((mask, k.price))
    owned = sum(bit[c.code] for c in pool if c.code in p.owned)
    full = (1 << len(pool)) - 1
    inf = 10**12
    exact = [inf] * (full + 1)
    for choice in itertools.product((0, 1), repeat=len(offers)):
        mask, cost = owned, 0
        for (m, price), pick in zip(offers, choice, strict=True):
            if pick:
                mask |= m
                cost += price
        exact[mask & full] = min(exact[mask & full], cost)
    # cheapest[mask] = min over supersets of mask.
    for b in range(len(pool)):
        for mask in range(full + 1):
            if not mask >> b & 1:
                exact[mask] = min(exact[mask], exact[mask | 1 << b])
    return {mask: cost for mask, cost in enumerate(exact) if cost < inf}


def brute_force(p: Problem) -> Best | None:
    pool = [c for c in p.courses if eligible(c, p)]
    costs = purchase_costs(p, pool)
    best: tuple[int, int, int] | None = None
    plans = 0
    for mask in range(1 << len(pool)):
        if mask not in costs:
            continue
        taken = [c for i, c in enumerate(pool) if mask >> i & 1]
        if not covers(p, taken) or not schedulable(p, taken):
            continue
        plans += 1
        key = (costs[mask], sum(c.hours for c in taken), len(taken))
        best = key if best is None or key < best else best
    if best is None:
        return None
    return Best(price=best[0], hours=best[1], count=best[2], plans=plans)


def bundle_sets(result: Result) -> list[frozenset[str]]:
    return [frozenset(b.courses) for b in result.bundles]


__all__ = [
    "D0",
    "T0",
    "Best",
    "Extra",
    "Package",
    "brute_force",
    "bundle_sets",
    "check_bundle",
    "course",
    "day",
    "problem",
]
