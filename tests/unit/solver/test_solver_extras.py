"""Extra requirements (contract §6): total_ce, total_discipline, major_minimum."""

from __future__ import annotations

from matching.solver import Bundle, Extra, Problem, Result, Shortfall, solve
from tests.unit.solver.solver_support import check_bundle, course, problem

MAJORS = {"A": "Safety", "B": "Safety", "C": "Procedures"}


def solved(p: Problem) -> tuple[Result, Bundle]:
    r = solve(p)
    assert r.status == "optimal", r
    check_bundle(p, r.bundles[0])
    return r, r.bundles[0]


def test_course_counting_for_cqr_and_total_ce_is_bought_once() -> None:
    both = course("both", {"A": 100}, 1000, ce=300)
    cqr = course("cqr", {"A": 100}, 400, ce=100)
    ce_only = course("ce_only", {}, 700, ce=200)
    p = problem({"A": 100}, [both, cqr, ce_only], extras=(Extra("total_ce", 300),))
    r, b1 = solved(p)
    # cqr + ce_only would be 1100; the one course giving both is 1000.
    assert b1.courses == ("both",)
    assert b1.credits == {"A": 100, "total_ce": 300}
    assert r.remaining == {"A": 100, "total_ce": 300}


def test_total_ce_widens_candidates_to_courses_without_discipline_credit() -> None:
    cqr = course("cqr", {"A": 100}, 400, ce=100)
    ce_only = course("ce_only", {}, 300, ce=200)
    p = problem({"A": 100}, [cqr, ce_only], extras=(Extra("total_ce", 300),))
    _, b1 = solved(p)
    assert set(b1.courses) == {"cqr", "ce_only"}
    assert b1.ce_credits == 300 and b1.credits["total_ce"] == 300


def test_completed_courses_count_toward_extras() -> None:
    done = course("done", {"A": 50}, 1, ce=250)
    a = course("a", {"A": 100}, 400, ce=100)
    big = course("big", {"A": 100}, 900, ce=400)
    p = problem(
        {"A": 100}, [done, a, big], completed=frozenset({"done"}), extras=(Extra("total_ce", 300),)
    )
    r, b1 = solved(p)
    assert r.remaining == {"A": 50, "total_ce": 50}
    assert b1.courses == ("a",)


def test_structured_education_touches_every_major() -> None:
    # 4.00 credits overall, at least 1.00 in each major category; A and B are both Safety.
    a = course("a", {"A": 300}, 300)
    b = course("b", {"B": 300}, 300)
    c = course("c", {"C": 100}, 500)
    c_big = course("c_big", {"C": 400}, 2000)
    extras = (Extra("total_discipline", 400), Extra("major_minimum", 100))
    p = problem({}, [a, b, c, c_big], extras=extras, majors=MAJORS)
    r, b1 = solved(p)
    assert set(b1.courses) in ({"a", "c"}, {"b", "c"})
    assert b1.price == 800
    assert b1.credits["total_discipline"] == 400
    assert b1.credits["major:Safety"] == 300 and b1.credits["major:Procedures"] == 100
    assert set(r.remaining) == {"total_discipline", "major:Safety", "major:Procedures"}


def test_total_discipline_counts_every_subcategory_not_only_required_ones() -> None:
    a = course("a", {"A": 100, "C": 200}, 500)
    a2 = course("a2", {"A": 100}, 100)
    c = course("c", {"C": 200}, 450)
    p = problem({"A": 100}, [a, a2, c], extras=(Extra("total_discipline", 300),))
    _, b1 = solved(p)
    # a alone gives 3.00 for 5.00; a2 + c give 3.00 for 5.50.
    assert b1.courses == ("a",)
    assert b1.credits == {"A": 100, "total_discipline": 300}


def test_completed_counts_toward_each_major() -> None:
    done = course("done", {"C": 100}, 1)
    a = course("a", {"A": 100}, 100)
    c = course("c", {"C": 100}, 100)
    extras = (Extra("major_minimum", 100),)
    p = problem({}, [done, a, c], completed=frozenset({"done"}), extras=extras, majors=MAJORS)
    r, b1 = solved(p)
    assert r.remaining == {"major:Procedures": 0, "major:Safety": 100}
    assert b1.courses == ("a",)


def test_extra_shortfall_is_reported_under_its_key() -> None:
    a = course("a", {"A": 100}, 100, ce=150)
    p = problem({"A": 100}, [a], extras=(Extra("total_ce", 2400),))
    r = solve(p)
    assert r.status == "infeasible"
    assert r.shortfall == (Shortfall("total_ce", 2400, 150),)


def test_major_minimum_shortfall_names_the_major() -> None:
    a = course("a", {"A": 100}, 100)
    p = problem({}, [a], extras=(Extra("major_minimum", 100),), majors=MAJORS)
    r = solve(p)
    assert r.status == "infeasible"
    assert r.shortfall == (Shortfall("major:Procedures", 100, 0),)


def test_a_shortfall_names_the_short_major_even_when_the_subcategories_are_met() -> None:
    c = course("c", {"C": 300}, 100)
    p = problem({"C": 100}, [c], extras=(Extra("major_minimum", 100),), majors=MAJORS)
    r = solve(p)
    assert r.status == "infeasible"
    assert r.shortfall == (Shortfall("major:Safety", 100, 0),)


def test_courses_widened_in_by_total_ce_still_obey_the_filters() -> None:
    a = course("a", {"A": 100}, 100, ce=100)
    live = course("live", {}, 50, ce=500, fmt="live")
    p = problem(
        {"A": 100}, [a, live], extras=(Extra("total_ce", 400),), formats=frozenset({"online"})
    )
    r = solve(p)
    assert r.status == "infeasible"
    assert r.shortfall == (Shortfall("total_ce", 400, 100),)
    assert [(e.course, e.reason) for e in r.exclusions] == [("live", "format")]


def test_every_alternative_meets_the_extra_requirements_too() -> None:
    cs = [
        course(
            f"x{i}", {"A": 100 * (i % 3 + 1)}, 100 * (i + 1), ce=150 + 50 * i, provider=f"p{i % 2}"
        )
        for i in range(6)
    ]
    ce_only = course("ce", {}, 250, ce=500, provider="p1")
    p = problem({"A": 200}, [*cs, ce_only], extras=(Extra("total_ce", 800),), alternatives=4)
    r = solve(p)
    assert r.status == "optimal" and len(r.bundles) == 5
    for b in r.bundles:
        check_bundle(p, b)  # covers every requirement key, total_ce included
        assert b.credits["total_ce"] == b.ce_credits >= 800
    assert r.bundles[0].price == 550 and set(r.bundles[0].courses) == {"ce", "x0", "x1"}
