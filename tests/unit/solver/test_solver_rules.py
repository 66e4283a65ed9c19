"""Hand-built cases, one rule each (contract §4; SPEC.md)."""

from __future__ import annotations

from datetime import timedelta

from matching.solver import Bundle, Exclusion, Package, Problem, Result, Shortfall, solve
from tests.unit.solver.solver_support import D0, T0, check_bundle, course, day, problem


def only_bundle(p: Problem) -> tuple[Result, Bundle]:
    r = solve(p)
    assert r.status == "optimal", r
    assert r.gap == 0.0
    check_bundle(p, r.bundles[0])
    return r, r.bundles[0]


def reasons(result: Result) -> dict[str, str]:
    return {e.course: e.reason for e in result.exclusions}


# --- purchases -------------------------------------------------------------------------------


def test_package_cheaper_than_its_parts_is_bought() -> None:
    a = course("a", {"A": 100}, 1000)
    b = course("b", {"B": 100}, 1000)
    p = problem({"A": 100, "B": 100}, [a, b], [Package("ab", "p1", 1500, ("a", "b"))])
    _, b1 = only_bundle(p)
    assert b1.price == 1500
    assert [(x.kind, x.code) for x in b1.purchases] == [("package", "ab")]
    assert set(b1.courses) == {"a", "b"}
    assert b1.label == "cheapest" and b1.rank == 1 and b1.price_delta == 0


def test_parts_cheaper_than_package_are_bought_alone() -> None:
    a = course("a", {"A": 100}, 1000)
    b = course("b", {"B": 100}, 1000)
    p = problem({"A": 100, "B": 100}, [a, b], [Package("ab", "p1", 2500, ("a", "b"))])
    _, b1 = only_bundle(p)
    assert b1.price == 2000
    assert {(x.kind, x.code) for x in b1.purchases} == {("course", "a"), ("course", "b")}


def test_course_in_two_packages_counts_once() -> None:
    # x sits in both packages; if it counted twice, k1 alone would seem to give A = 200.
    x = course("x", {"A": 100}, None)
    y = course("y", {"B": 100}, None)
    z = course("z", {"A": 100}, 5000)
    k1 = Package("k1", "p1", 1000, ("x", "y"))
    k2 = Package("k2", "p1", 1000, ("x", "z"))
    p = problem({"A": 200, "B": 100}, [x, y, z], [k1, k2])
    _, b1 = only_bundle(p)
    assert b1.price == 2000
    assert b1.credits == {"A": 200, "B": 100}
    assert {x.code for x in b1.purchases} == {"k1", "k2"}


def test_course_bought_alone_and_in_package_counts_once() -> None:
    x = course("x", {"A": 100}, 100)
    y = course("y", {"A": 100}, 9000)
    p = problem({"A": 200}, [x, y], [Package("k", "p1", 500, ("x",))])
    _, b1 = only_bundle(p)
    assert set(b1.courses) == {"x", "y"}
    assert b1.credits == {"A": 200}
    assert b1.price == 9100  # x alone is cheaper than its package; y is needed anyway


def test_owned_course_is_free_and_not_purchased() -> None:
    a = course("a", {"A": 100}, 9900)
    b = course("b", {"A": 100}, 500)
    p = problem({"A": 100}, [a, b], owned=frozenset({"a"}))
    _, b1 = only_bundle(p)
    assert b1.courses == ("a",)
    assert b1.price == 0 and b1.purchases == ()


def test_owned_member_of_package_needs_no_package() -> None:
    a = course("a", {"A": 100}, None)
    p = problem({"A": 100}, [a], [Package("k", "p1", 700, ("a",))], owned=frozenset({"a"}))
    _, b1 = only_bundle(p)
    assert b1.price == 0 and b1.courses == ("a",)


def test_course_without_price_outside_packages_is_not_sold() -> None:
    a = course("a", {"A": 100}, None)
    b = course("b", {"A": 100}, 800)
    r, b1 = only_bundle(problem({"A": 100}, [a, b]))
    assert b1.courses == ("b",)
    assert reasons(r)["a"] == "not sold"


def test_package_bought_for_its_eligible_members_only() -> None:
    old = course("old", {"A": 100}, None, expires=day(-1))
    new = course("new", {"A": 100}, None)
    p = problem({"A": 100}, [old, new], [Package("k", "p1", 600, ("old", "new"))])
    r, b1 = only_bundle(p)
    assert b1.courses == ("new",)
    assert b1.price == 600
    assert reasons(r)["old"] == "approval expired"


# --- completed, filters and dates --------------------------------------------------------------


def test_completed_subtracts_and_is_never_recommended() -> None:
    done = course("done", {"A": 100, "B": 50}, 100)
    a = course("a", {"A": 50}, 300)
    a2 = course("a2", {"A": 100}, 200)
    p = problem({"A": 150, "B": 50}, [done, a, a2], completed=frozenset({"done"}))
    r, b1 = only_bundle(p)
    assert r.remaining == {"A": 50, "B": 0}
    assert b1.courses == ("a2",)  # cheapest way to the remaining 50 of A
    assert b1.credits == {"A": 100, "B": 0}
    assert reasons(r)["done"] == "completed"


def test_completed_meeting_everything_gives_the_empty_plan() -> None:
    done = course("done", {"A": 200}, 100)
    p = problem({"A": 150}, [done, course("a", {"A": 100})], completed=frozenset({"done"}))
    r, b1 = only_bundle(p)
    assert b1.courses == () and b1.price == 0
    assert r.remaining == {"A": 0}


def test_format_filter() -> None:
    web = course("web", {"A": 100}, 100, fmt="webinar")
    onl = course("onl", {"A": 100}, 900)
    r, b1 = only_bundle(problem({"A": 100}, [web, onl], formats=frozenset({"online"})))
    assert b1.courses == ("onl",)
    assert reasons(r)["web"] == "format"


def test_excluded_provider_courses_and_packages() -> None:
    cheap = course("cheap", {"A": 100}, 100, provider="bad")
    inpack = course("inpack", {"A": 100}, None, provider="good")
    dear = course("dear", {"A": 100}, 900, provider="good")
    pack = Package("pk", "bad", 50, ("inpack",))
    p = problem({"A": 100}, [cheap, inpack, dear], [pack], exclude_providers=frozenset({"bad"}))
    r, b1 = only_bundle(p)
    assert b1.courses == ("dear",)
    assert reasons(r) == {"cheap": "excluded provider", "inpack": "not sold"}


def test_event_date_boundaries() -> None:
    on_t = course("on_t", {"A": 100}, 100, fmt="live", event=T0)
    on_d = course("on_d", {"B": 100}, 100, fmt="live", event=D0)
    before = course("before", {"A": 100}, 1, fmt="live", event=day(-1))
    after = course("after", {"B": 100}, 1, fmt="live", event=D0 + timedelta(days=1))
    p = problem({"A": 100, "B": 100}, [on_t, on_d, before, after])
    r, b1 = only_bundle(p)
    assert set(b1.courses) == {"on_t", "on_d"}
    assert reasons(r) == {"before": "event date", "after": "deadline"}
    due = {s.course: s.complete_by for s in b1.schedule}
    assert due == {"on_t": T0, "on_d": D0}


def test_approval_expiry_boundary() -> None:
    today = course("today", {"A": 100}, 100, expires=T0, hours=0)
    gone = course("gone", {"A": 100}, 1, expires=day(-1))
    r, b1 = only_bundle(problem({"A": 100}, [today, gone], hours_per_week=100))
    assert b1.courses == ("today",)
    assert b1.schedule[0].complete_by == T0 and b1.schedule[0].slack_days == 0
    assert reasons(r) == {"gone": "approval expired"}


def test_due_date_is_the_earliest_of_deadline_expiry_and_event() -> None:
    c = course("c", {"A": 100}, 100, fmt="webinar", expires=day(40), event=day(30))
    d = course("d", {"B": 100}, 100, expires=day(40))
    e = course("e", {"C": 100}, 100)
    _, b1 = only_bundle(problem({"A": 100, "B": 100, "C": 100}, [c, d, e]))
    due = {s.course: s.complete_by for s in b1.schedule}
    assert due == {"c": day(30), "d": day(40), "e": D0}
    assert b1.courses == ("c", "d", "e")


def test_deadline_before_planning_date_leaves_nothing() -> None:
    p = problem({"A": 100}, [course("a", {"A": 100})], as_of=day(10), deadline=day(5))
    r = solve(p)
    assert r.status == "infeasible"
    assert r.shortfall == (Shortfall("A", 100, 0),)
    assert reasons(r) == {"a": "deadline"}


def test_course_without_required_credit_is_dropped() -> None:
    other = course("other", {"Z": 100}, 1)
    a = course("a", {"A": 100}, 500)
    r, b1 = only_bundle(problem({"A": 100}, [other, a]))
    assert b1.courses == ("a",)
    assert reasons(r)["other"] == "no required credit"


def test_credit_in_already_met_subcategory_is_not_required() -> None:
    done = course("done", {"B": 100}, 1)
    b_only = course("b_only", {"B": 100}, 1)
    a = course("a", {"A": 100}, 500)
    p = problem({"A": 100, "B": 100}, [done, b_only, a], completed=frozenset({"done"}))
    r, b1 = only_bundle(p)
    assert b1.courses == ("a",)
    assert reasons(r)["b_only"] == "no required credit"


# --- weekly hours and schedule ------------------------------------------------------------------


def test_schedule_dates_and_slack() -> None:
    # 7 hours a week = 1 hour a day; 3 h due on day 10, then 2 h due at D.
    first = course("first", {"A": 100}, 100, hours=300, expires=day(10))
    second = course("second", {"B": 100}, 100, hours=200)
    _, b1 = only_bundle(problem({"A": 100, "B": 100}, [first, second], hours_per_week=700))
    s1, s2 = b1.schedule
    assert (s1.course, s1.start_by, s1.finish_by, s1.slack_days) == ("first", T0, day(3), 7)
    assert (s2.course, s2.start_by, s2.finish_by) == ("second", day(3), day(5))
    assert s2.slack_days == (D0 - day(5)).days
    assert (s1.cumulative_hours, s2.cumulative_hours) == (300, 500)
    assert b1.slack_days == 7


def test_a_course_finishes_on_the_day_its_last_part_hour_is_studied() -> None:
    # 3 hours a week: 1.50 h take 3.5 days, so the course is done on day 4, not day 3;
    # the next one starts on day 3 (the first one's hours run out during day 3) and its
    # 2.50 cumulative hours end after 5.83 days, on day 6.
    first = course("first", {"A": 100}, 100, hours=150, expires=day(10))
    second = course("second", {"B": 100}, 100, hours=100)
    _, b1 = only_bundle(problem({"A": 100, "B": 100}, [first, second], hours_per_week=300))
    s1, s2 = b1.schedule
    assert (s1.start_by, s1.finish_by, s1.slack_days) == (T0, day(4), 6)
    assert (s2.start_by, s2.finish_by) == (day(3), day(6))


def test_without_weekly_hours_there_are_no_start_dates() -> None:
    _, b1 = only_bundle(problem({"A": 100}, [course("a", {"A": 100})]))
    assert b1.schedule[0].start_by is None and b1.schedule[0].slack_days is None
    assert b1.slack_days is None


def test_schedule_orders_ties_by_hours_then_code() -> None:
    cs = [
        course("b", {"A": 100}, 1, hours=100),
        course("a", {"B": 100}, 1, hours=100),
        course("c", {"C": 100}, 1, hours=50),
    ]
    _, b1 = only_bundle(problem({"A": 100, "B": 100, "C": 100}, cs))
    assert b1.courses == ("c", "a", "b")


def test_weekly_hours_force_a_dearer_but_later_course() -> None:
    # 1 hour a day: the cheap course (5 h due on day 3) cannot be done in time.
    early = course("early", {"A": 100}, 100, hours=500, expires=day(3))
    late = course("late", {"A": 100}, 900, hours=500)
    r, b1 = only_bundle(problem({"A": 100}, [early, late], hours_per_week=700))
    assert b1.courses == ("late",)
    assert reasons(r)["early"] == "weekly hours"


def test_infeasible_only_because_of_weekly_hours() -> None:
    # Each course fits alone (3 h by day 4 at 1 h/day), both together (6 h) do not.
    a = course("a", {"A": 100}, 100, hours=300, expires=day(4))
    b = course("b", {"B": 100}, 100, hours=300, expires=day(4))
    p = problem({"A": 100, "B": 100}, [a, b], hours_per_week=700)
    r = solve(p)
    assert r.status == "infeasible" and r.bundles == ()
    assert r.shortfall == ()
    assert Exclusion("*", "weekly hours") in r.exclusions
    # Without the weekly limit the same catalog is fine.
    assert solve(problem({"A": 100, "B": 100}, [a, b])).status == "optimal"


def test_weekly_hours_cumulate_across_due_dates() -> None:
    # a: 4 h due day 4; b: 3 h due day 6 -> 7 h by day 6 > 6 h available: infeasible as a pair.
    a = course("a", {"A": 100}, 100, hours=400, expires=day(4))
    b = course("b", {"B": 100}, 100, hours=300, expires=day(6))
    c = course("c", {"B": 100}, 700, hours=300, expires=day(7))
    _, b1 = only_bundle(problem({"A": 100, "B": 100}, [a, b, c], hours_per_week=700))
    assert set(b1.courses) == {"a", "c"}


# --- tie-breaks --------------------------------------------------------------------------------


def test_price_comes_first() -> None:
    cheap_long = course("cheap_long", {"A": 100}, 100, hours=900)
    dear_short = course("dear_short", {"A": 100}, 200, hours=10)
    _, b1 = only_bundle(problem({"A": 100}, [cheap_long, dear_short]))
    assert b1.courses == ("cheap_long",)


def test_equal_price_then_fewest_hours() -> None:
    long_ = course("long", {"A": 100}, 500, hours=300)
    short = course("short", {"A": 100}, 500, hours=200)
    _, b1 = only_bundle(problem({"A": 100}, [long_, short]))
    assert b1.courses == ("short",)


def test_equal_price_and_hours_then_fewest_courses() -> None:
    two_a = course("two_a", {"A": 50}, 250, hours=100)
    two_b = course("two_b", {"A": 50}, 250, hours=100)
    one = course("one", {"A": 100}, 500, hours=200)
    _, b1 = only_bundle(problem({"A": 100}, [two_a, two_b, one]))
    assert b1.courses == ("one",)


def test_free_extra_courses_are_not_taken() -> None:
    # A package brings a useless member along: it is bought but the member is not taken.
    a = course("a", {"A": 100}, None)
    b = course("b", {"A": 100}, None, hours=900)
    _, b1 = only_bundle(problem({"A": 100}, [a, b], [Package("k", "p1", 300, ("a", "b"))]))
    assert b1.courses == ("a",) and b1.price == 300


# --- infeasible ----------------------------------------------------------------------------------


def test_infeasible_shortfall_numbers() -> None:
    done = course("done", {"A": 50}, 1)
    a = course("a", {"A": 100, "B": 25}, 1)
    b = course("b", {"A": 50}, 1, expires=day(-3))
    c = course("c", {"B": 100}, 1)
    p = problem({"A": 300, "B": 100}, [done, a, b, c], completed=frozenset({"done"}))
    r = solve(p)
    assert r.status == "infeasible" and r.bundles == () and r.gap is None
    assert r.shortfall == (Shortfall("A", 250, 100),)  # B is available (125 >= 100)
    assert r.remaining == {"A": 250, "B": 100}
    assert reasons(r) == {"done": "completed", "b": "approval expired"}


def test_unknown_subcategory_is_a_shortfall_of_zero() -> None:
    r = solve(problem({"A": 100, "Nowhere": 50}, [course("a", {"A": 100})]))
    assert r.status == "infeasible"
    assert r.shortfall == (Shortfall("Nowhere", 50, 0),)
