"""Helpers for the solver tests: builders, an independent rule checker, brute force.

Nothing here imports the solver's internals: the checker and the brute force re-implement
the contract's rules (docs/exchange-format.md §4, §6) from scratch, so the tests compare
two independent readings of the rules.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
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
    tags: Iterable[str] = (),
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
        tags=frozenset(tags),
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
#
# Every requirement key has a deadline: the prescription's for `required`, the extra's own
# (default the prescription's) for an extra.  A course counts toward a key only when it is
# completed by its due date for that key: the earliest of the key's deadline, its approval
# expiry and its event date (and an event after the key's deadline never counts).


@dataclass(frozen=True)
class Req:
    key: str
    credits: int
    deadline: date
    measure: Callable[[Course], int]


def _in_sub(sub: str) -> Callable[[Course], int]:
    return lambda c: c.credits.get(sub, 0)


def _in_major(majors: Mapping[str, str], major: str) -> Callable[[Course], int]:
    return lambda c: sum(v for s, v in c.credits.items() if majors.get(s) == major)


def _tagged(tags: frozenset[str]) -> Callable[[Course], int]:
    return lambda c: c.ce_credits if tags & set(c.tags) else 0


def _ce(c: Course) -> int:
    return c.ce_credits


def _discipline(c: Course) -> int:
    return sum(c.credits.values())


def requirements(p: Problem) -> dict[str, Req]:
    out: dict[str, Req] = {}

    def add(key: str, credits: int, deadline: date, measure: Callable[[Course], int]) -> None:
        old = out.get(key)
        if old is None or credits > old.credits:
            out[key] = Req(key, credits, deadline, measure)

    for sub, credits in p.required.items():
        add(sub, credits, p.deadline, _in_sub(sub))
    for e in p.extras:
        dl = e.deadline or p.deadline
        if e.kind == "total_ce":
            add(e.label or "total_ce", e.credits, dl, _ce)
        elif e.kind == "total_discipline":
            add(e.label or "total_discipline", e.credits, dl, _discipline)
        elif e.kind == "major_minimum":
            for major in set(p.majors.values()):
                key = f"{e.label}:{major}" if e.label else f"major:{major}"
                add(key, e.credits, dl, _in_major(p.majors, major))
        elif e.kind == "tag_minimum":
            add(e.label or "tag:tag_minimum", e.credits, dl, _tagged(frozenset(e.tags)))
    return out


def eligible(c: Course, p: Problem) -> bool:
    """The filters that do not depend on a requirement's deadline."""
    if c.code in p.completed or c.provider in p.exclude_providers:
        return False
    if p.formats is not None and c.format not in p.formats:
        return False
    if c.event_date is not None and c.event_date < p.as_of:
        return False
    return c.approval_expires is None or c.approval_expires >= p.as_of


def due_for(c: Course, p: Problem, deadline: date) -> date | None:
    if deadline < p.as_of or (c.event_date is not None and c.event_date > deadline):
        return None
    return min(d for d in (deadline, c.approval_expires, c.event_date) if d is not None)


def due(c: Course, p: Problem) -> date:
    """The due date for the prescription's own deadline (single-deadline problems)."""
    return min(d for d in (p.deadline, c.approval_expires, c.event_date) if d is not None)


def options(c: Course, p: Problem) -> list[date]:
    """Completion dates that make sense: the course's due date for some requirement it
    gives credit to."""
    found = set()
    for req in requirements(p).values():
        d = due_for(c, p, req.deadline)
        if d is not None and req.measure(c) > 0:
            found.add(d)
    return sorted(found)


def counted(c: Course, p: Problem, req: Req, done: date) -> int:
    d = due_for(c, p, req.deadline)
    return req.measure(c) if d is not None and done <= d else 0


def gives(c: Course, p: Problem) -> dict[str, int]:
    """Credits of one course per requirement key, ignoring deadlines."""
    return {k: r.measure(c) for k, r in requirements(p).items()}


def targets(p: Problem) -> dict[str, int]:
    return {k: r.credits for k, r in requirements(p).items()}


def remaining(p: Problem) -> dict[str, int]:
    rem = targets(p)
    for c in p.courses:
        if c.code in p.completed:
            for k, v in gives(c, p).items():
                rem[k] -= v
    return {k: max(0, v) for k, v in rem.items()}


Done = list[tuple[Course, date]]  # taken courses with their completion dates


def credits_of(p: Problem, taken: Done) -> dict[str, int]:
    """Per key, the credits of the taken courses completed (by the given date) in time."""
    reqs = requirements(p)
    return {k: sum(counted(c, p, r, done) for c, done in taken) for k, r in reqs.items()}


def covers(p: Problem, taken: Done) -> bool:
    rem = remaining(p)
    got = credits_of(p, taken)
    return all(got[k] >= rem[k] for k in rem)


def schedulable(p: Problem, taken: Done) -> bool:
    h = p.hours_per_week
    if h is None:
        return True
    for _, d in taken:
        load = sum(o.hours for o, od in taken if od <= d)
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
    done = [(by_code[s.course], s.complete_by) for s in b.schedule]
    for c, d in done:
        # Finished by the earliest due date among the requirements it is counted for.
        assert d in options(c, p), f"{c.code}: complete_by {d} is no due date of it"
    assert covers(p, done), "requirements not met"
    assert schedulable(p, done), "weekly-hours rule broken"
    got = credits_of(p, done)
    for k in remaining(p):
        assert b.credits[k] == got[k], k
    check_schedule(p, b)


def check_schedule(p: Problem, b: Bundle) -> None:
    assert [s.course for s in b.schedule] == list(b.courses)
    by_code = {c.code: c for c in p.courses}
    keys = [(s.complete_by, by_code[s.course].hours, s.course) for s in b.schedule]
    assert keys == sorted(keys), "schedule is not earliest-due-first"
    total = 0
    for s in b.schedule:
        total += by_code[s.course].hours
        assert s.cumulative_hours == total
        if p.hours_per_week is None:
            assert s.start_by is None and s.slack_days is None
        else:
            assert s.start_by is not None and s.finish_by is not None and s.slack_days is not None
            assert p.as_of <= s.start_by <= s.finish_by <= s.complete_by
            assert s.slack_days == (s.complete_by - s.finish_by).days >= 0
            # Recomputed here from the rule (h hours a week from as_of, earliest due
            # first): a course starts on the day the earlier ones' hours run out and is
            # done on the day its last part-hour is studied.
            h = p.hours_per_week
            begun = Fraction(7 * (total - by_code[s.course].hours), h) if h else Fraction(0)
            ended = Fraction(7 * total, h) if h else Fraction(0)
            assert s.start_by == p.as_of + timedelta(days=math.floor(begun)), s.course
            assert s.finish_by == p.as_of + timedelta(days=math.ceil(ended)), s.course
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


def feasible(p: Problem, taken: list[Course]) -> bool:
    """Some choice of completion dates meets every requirement and the weekly hours."""
    choices = [options(c, p) for c in taken]
    if any(not opts for opts in choices):
        return False
    earliest = [(c, opts[0]) for c, opts in zip(taken, choices, strict=True)]
    if not covers(p, earliest):
        return False  # finishing each course as early as it can count the most
    if schedulable(p, earliest):
        return True
    for pick in itertools.product(*choices):
        done = list(zip(taken, pick, strict=True))
        if covers(p, done) and schedulable(p, done):
            return True
    return False


def brute_force(p: Problem) -> Best | None:
    pool = [c for c in p.courses if eligible(c, p) and options(c, p)]
    costs = purchase_costs(p, pool)
    best: tuple[int, int, int] | None = None
    plans = 0
    for mask in range(1 << len(pool)):
        if mask not in costs:
            continue
        taken = [c for i, c in enumerate(pool) if mask >> i & 1]
        if not feasible(p, taken):
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
