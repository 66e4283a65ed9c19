"""Per-requirement deadlines, labels and tag_minimum (contract §6 as amended)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from matching.solver import Bundle, Course, Extra, Package, Problem, Result, Shortfall, solve
from tests.unit.solver.solver_support import (
    D0,
    T0,
    brute_force,
    check_bundle,
    course,
    day,
    options,
    problem,
)

LICENCE = "State licence"


def solved(p: Problem) -> tuple[Result, Bundle]:
    r = solve(p)
    assert r.status == "optimal", r
    check_bundle(p, r.bundles[0])
    return r, r.bundles[0]


def test_an_event_after_the_licence_deadline_counts_only_toward_cqr() -> None:
    late = course("late", {"A": 100}, 300, ce=200, fmt="live", event=day(200))
    lic = course("lic", {}, 500, ce=200)
    both = course("both", {"A": 100}, 1200, ce=200)
    extra = Extra("total_ce", 200, deadline=day(100), label=LICENCE)
    p = problem({"A": 100}, [late, lic, both], extras=(extra,))
    r, b1 = solved(p)
    # late gives its CE credits only after the licence is due: lic is still needed.
    assert set(b1.courses) == {"late", "lic"} and b1.price == 800
    assert b1.credits == {"A": 100, LICENCE: 200}
    assert {s.course: s.complete_by for s in b1.schedule} == {"lic": day(100), "late": day(200)}
    assert r.remaining == {"A": 100, LICENCE: 200}


def test_weekly_hours_push_a_course_past_the_licence_deadline_so_it_counts_only_for_cqr() -> None:
    # One hour a week: 10 hours fit by day 70.  lic (8 h) must be done by then; flex (5 h)
    # cannot also be, so the plan finishes it by the CQR deadline and counts it for CQR only.
    lic = course("lic", {}, 500, ce=300, hours=800)
    flex = course("flex", {"A": 100}, 300, ce=200, hours=500)
    both = course("both", {"A": 100}, 2000, ce=300, hours=900)
    extra = Extra("total_ce", 300, deadline=day(70), label=LICENCE)
    p = problem({"A": 100}, [lic, flex, both], extras=(extra,), hours_per_week=100)
    _, b1 = solved(p)
    assert set(b1.courses) == {"lic", "flex"} and b1.price == 800
    assert {s.course: s.complete_by for s in b1.schedule} == {"lic": day(70), "flex": D0}
    assert b1.credits == {"A": 100, LICENCE: 300}  # flex's CE credits come too late


def test_without_the_hours_limit_the_same_course_counts_for_both() -> None:
    flex = course("flex", {"A": 100}, 300, ce=200, hours=500)
    lic = course("lic", {}, 500, ce=200, hours=800)
    extra = Extra("total_ce", 200, deadline=day(70), label=LICENCE)
    _, b1 = solved(problem({"A": 100}, [lic, flex], extras=(extra,)))
    assert b1.courses == ("flex",) and b1.credits == {"A": 100, LICENCE: 200}
    assert b1.schedule[0].complete_by == day(70)  # the earliest deadline it is counted for


def test_a_tag_requirement_is_met_only_by_a_dearer_course() -> None:
    cheap = course("cheap", {"A": 100}, 300)
    tagged = course("tagged", {"A": 100}, 700, tags={"hiv-aids", "mammography"})
    other = course("other", {}, 100, ce=100, tags={"ethics"})
    extra = Extra("tag_minimum", 100, label="HIV/AIDS", tags=frozenset({"hiv-aids"}))
    _, b1 = solved(problem({"A": 100}, [cheap, tagged, other], extras=(extra,)))
    assert b1.courses == ("tagged",) and b1.price == 700
    assert b1.credits == {"A": 100, "HIV/AIDS": 100}


def test_tag_minimum_counts_completed_courses_and_any_of_its_tags() -> None:
    done = course("done", {}, 100, ce=100, tags={"human-trafficking"})
    a = course("a", {}, 400, ce=100, tags={"ionizing-radiation"})
    b = course("b", {}, 300, ce=100, tags={"hiv-aids"})
    extra = Extra("tag_minimum", 200, tags=frozenset({"hiv-aids", "human-trafficking"}))
    p = problem({}, [done, a, b], extras=(extra,), completed=frozenset({"done"}))
    r, b1 = solved(p)
    assert r.remaining == {"tag:tag_minimum": 100}  # unlabelled: "tag:" + the default label
    assert b1.courses == ("b",)


def test_a_shortfall_is_named_by_the_obligation_label() -> None:
    early = course("early", {"A": 100}, 300, ce=600)
    late = course("late", {"A": 100}, 300, ce=2000, fmt="live", event=day(300))
    extras = (
        Extra("total_ce", 2400, deadline=day(120), label="Florida licence"),
        Extra("tag_minimum", 100, label="HIV/AIDS", tags=frozenset({"hiv-aids"})),
    )
    r = solve(problem({"A": 100}, [early, late], extras=extras))
    assert r.status == "infeasible" and not r.bundles
    # late's credits come after the licence deadline: only early's 6.00 are available.
    assert r.shortfall == (
        Shortfall("Florida licence", 2400, 600),
        Shortfall("HIV/AIDS", 100, 0),
    )


def test_a_requirement_whose_deadline_has_passed_is_short() -> None:
    a = course("a", {"A": 100}, 300, ce=200)
    extra = Extra("total_ce", 100, deadline=T0 - timedelta(days=1), label="Lapsed")
    r = solve(problem({"A": 100}, [a], extras=(extra,)))
    assert r.status == "infeasible" and r.shortfall == (Shortfall("Lapsed", 100, 0),)


def test_a_labelled_major_minimum_reports_one_key_per_major() -> None:
    majors = {"A": "Safety", "C": "Procedures"}
    a = course("a", {"A": 100}, 100)
    c = course("c", {"C": 100}, 100)
    p = problem({}, [a, c], extras=(Extra("major_minimum", 100, label="SE"),), majors=majors)
    r, b1 = solved(p)
    assert set(r.remaining) == {"SE:Safety", "SE:Procedures"}
    assert b1.credits == {"SE:Safety": 100, "SE:Procedures": 100}


def test_two_requirements_under_one_key_are_refused() -> None:
    a = course("a", {"A": 100}, 100)
    extras = (Extra("total_ce", 100, label="X"), Extra("tag_minimum", 100, label="X"))
    with pytest.raises(ValueError, match="share the key 'X'"):
        solve(problem({"A": 100}, [a], extras=extras))


def test_each_package_course_is_bought_once_across_obligations() -> None:
    a = course("a", {"A": 100}, 900, ce=100)
    t = course("t", {}, 900, ce=100, tags={"hiv-aids"})
    pack = Package("pack", "p1", 1000, ("a", "t"))
    extras = (
        Extra("tag_minimum", 100, deadline=day(90), label="HIV", tags=frozenset({"hiv-aids"})),
        Extra("total_ce", 200, deadline=day(200), label="Biennium"),
    )
    p = problem({"A": 100}, [a, t], [pack], extras=extras, hours_per_week=50)
    _, b1 = solved(p)
    assert [x.code for x in b1.purchases] == ["pack"] and b1.price == 1000
    assert b1.credits == {"A": 100, "HIV": 100, "Biennium": 200}


# --- brute force with several deadlines -------------------------------------------------------

TAGS = ("hiv-aids", "ethics", "mammography")


def random_problem(rnd: random.Random) -> Problem:
    n = rnd.randint(3, 7)
    cs = []
    for i in range(n):
        subs = rnd.sample(("A", "B"), rnd.randint(0, 2))
        credits = {s: rnd.choice((50, 100, 150)) for s in subs}
        event = day(rnd.randint(10, 300)) if rnd.random() < 0.25 else None
        cs.append(
            Course(
                code=f"c{i}",
                provider=rnd.choice(("p1", "p2")),
                price=rnd.choice((100, 200, 300, 500, 800, None)),
                hours=rnd.choice((0, 100, 200, 400, 600)),
                ce_credits=sum(credits.values()) + rnd.choice((50, 100)),
                credits=credits,
                format="live" if event else "online",
                approval_expires=day(rnd.randint(20, 400)) if rnd.random() < 0.25 else None,
                event_date=event,
                tags=frozenset(rnd.sample(TAGS, rnd.randint(0, 2))),
            )
        )
    codes = [c.code for c in cs]
    packages = tuple(
        Package(
            f"k{j}",
            rnd.choice(("p1", "p2")),
            rnd.choice((200, 400, 700)),
            tuple(rnd.sample(codes, rnd.randint(1, 3))),
        )
        for j in range(rnd.randint(0, 2))
    )
    deadlines = [day(rnd.choice((40, 90, 150, 250))) for _ in range(3)]
    extras = [
        Extra("total_ce", rnd.choice((100, 200, 300)), deadline=deadlines[0], label="Biennium"),
        Extra(
            "tag_minimum",
            rnd.choice((50, 100)),
            deadline=deadlines[1],
            label="Topic",
            tags=frozenset(rnd.sample(TAGS, 1)),
        ),
        Extra("total_discipline", rnd.choice((100, 200)), deadline=deadlines[2], label="Licence"),
    ]
    return Problem(
        required={s: rnd.choice((50, 100)) for s in rnd.sample(("A", "B"), rnd.randint(0, 2))},
        courses=tuple(cs),
        packages=packages,
        as_of=T0,
        deadline=day(rnd.choice((120, 300))),
        hours_per_week=rnd.choice((None, 25, 50, 100, 200)),
        completed=frozenset(rnd.sample(codes, rnd.randint(0, 1))),
        owned=frozenset(rnd.sample(codes, rnd.randint(0, 1))),
        extras=tuple(rnd.sample(extras, rnd.randint(1, 3))),
        alternatives=rnd.choice((0, 0, 2)),
    )


def test_agrees_with_brute_force_on_random_instances_with_several_deadlines() -> None:
    rnd = random.Random(15)  # noqa: S311 - reproducible test data
    statuses = {"optimal": 0, "infeasible": 0}
    late_completions = 0
    for _ in range(150):
        p = random_problem(rnd)
        r = solve(p)
        best = brute_force(p)
        if best is None:
            assert r.status == "infeasible", (p, r)
            statuses["infeasible"] += 1
            continue
        assert r.status == "optimal", (p, r)
        statuses["optimal"] += 1
        b1 = r.bundles[0]
        assert (b1.price, b1.hours, len(b1.courses)) == (best.price, best.hours, best.count), p
        for b in r.bundles:
            check_bundle(p, b)
        by_code = {c.code: c for c in p.courses}
        # Finished later than its earliest due date: counted only for later obligations.
        late_completions += sum(
            s.complete_by > options(by_code[s.course], p)[0] for s in b1.schedule
        )
    assert statuses["optimal"] >= 40 and statuses["infeasible"] >= 10, statuses
    assert late_completions >= 3  # the weekly hours really pushed some courses late
