"""The least weekly study hours that make a prescription possible (issue 14): exact
against brute force on small instances, and consistent with the engine's own solve."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import date

import pytest

from matching.solver import Course, Extra, Problem, solve
from matching.solver.least_hours import advise_hours, least_hours_per_week
from tests.unit.solver.solver_support import (
    T0,
    course,
    covers,
    day,
    eligible,
    options,
    problem,
    purchase_costs,
)


def need_of(p: Problem, done: list[tuple[Course, date]]) -> int | None:
    """Least h (hundredths) with 7 * load due by d <= h * days(T, d) for every due date d;
    None when some load is due on the planning date itself."""
    need = 0
    for d in {when for _, when in done}:
        load = sum(c.hours for c, when in done if when <= d)
        days = (d - p.as_of).days
        if load == 0:
            continue
        if days == 0:
            return None
        need = max(need, -(-7 * load // days))
    return max(need, 1)


def brute_least(p: Problem) -> int | None:
    """Every purchasable course set, every sensible completion date per course."""
    pool = [c for c in p.courses if eligible(c, p) and options(c, p)]
    best: int | None = None
    for mask in purchase_costs(p, pool):
        taken = [c for i, c in enumerate(pool) if mask >> i & 1]
        for pick in itertools.product(*(options(c, p) for c in taken)):
            done = list(zip(taken, pick, strict=True))
            if covers(p, done):
                need = need_of(p, done)
                if need is not None and (best is None or need < best):
                    best = need
    return best


def random_problem(rnd: random.Random) -> Problem:
    deadline = day(rnd.randint(10, 120))
    courses = []
    for i in range(rnd.randint(3, 6)):
        credits = {s: rnd.choice((0, 50, 100, 150)) for s in ("A", "B")}
        credits = {s: v for s, v in credits.items() if v} or {"A": 50}
        event = day(rnd.randint(0, 130)) if rnd.random() < 0.3 else None
        courses.append(
            course(
                f"c{i}",
                credits,
                rnd.choice((500, 1000, 2500)),
                hours=rnd.choice((0, 50, 100, 300, 800, 2000)),
                fmt="webinar" if event else "online",
                event=event,
                expires=day(rnd.randint(5, 130)) if rnd.random() < 0.2 else None,
            )
        )
    extras: tuple[Extra, ...] = ()
    if rnd.random() < 0.35:
        extras = (
            Extra(
                "total_ce",
                rnd.choice((100, 200)),
                deadline=day(rnd.randint(5, 120)),
                label="Licence",
            ),
        )
    return problem(
        {"A": rnd.choice((50, 100, 150)), "B": rnd.choice((0, 50, 100))},
        courses,
        deadline=deadline,
        hours_per_week=100,
        extras=extras,
    )


@pytest.mark.parametrize("seed", range(60))
def test_the_least_weekly_hours_match_brute_force(seed: int) -> None:
    p = random_problem(random.Random(seed))  # noqa: S311 - reproducible test data
    expected = brute_least(p)
    least = least_hours_per_week(p, time_limit=20)
    assert least.proven
    assert least.hours_per_week == expected
    if expected is not None:
        # The engine itself plans at the least hours and finds nothing one hundredth below.
        assert solve(replace(p, hours_per_week=expected)).status == "optimal"
        if expected > 1:
            assert solve(replace(p, hours_per_week=expected - 1)).status == "infeasible"


def test_one_long_course_needs_its_hours_spread_over_the_weeks_left() -> None:
    p = problem({"A": 100}, [course("long", {"A": 100}, hours=1000)], deadline=day(14))
    assert least_hours_per_week(p).hours_per_week == 500  # 10 h in two weeks


def test_nothing_due_on_the_planning_day_itself_can_be_studied() -> None:
    p = problem({"A": 100}, [course("today", {"A": 100}, hours=100)], deadline=T0)
    least = least_hours_per_week(p)
    assert least.hours_per_week is None and least.proven


def test_advice_names_the_formats_that_help_and_a_later_start_that_does_not() -> None:
    online = course("online", {"A": 100}, hours=2000)  # 20 h, due on the deadline
    webinar = course("webinar", {"A": 100}, hours=200, fmt="webinar", event=day(28))
    p = problem(
        {"A": 100},
        [online, webinar],
        deadline=day(30),
        hours_per_week=100,
        formats=frozenset({"online"}),
    )
    advice = advise_hours(p)
    assert advice.least.hours_per_week == 467  # ceil(7 * 2000 / 30)
    assert advice.all_formats is not None
    assert advice.all_formats.hours_per_week == 50  # ceil(7 * 200 / 28)
    assert advice.all_formats.formats == frozenset({"webinar"})
    assert advice.later_start == day(7)  # a quarter of the 30 days left
    assert advice.later.hours_per_week == 609  # ceil(7 * 2000 / 23): later never helps
