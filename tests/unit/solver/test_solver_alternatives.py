"""Alternative bundles: distinct course sets, labels, price deltas."""

from __future__ import annotations

from matching.solver import solve
from matching.solver.alternatives import cheapest_label
from tests.unit.solver.solver_support import bundle_sets, check_bundle, course, problem

CATALOG = [
    course("c1", {"A": 100}, 500, hours=400, provider="p1"),
    course("c2", {"A": 100}, 800, hours=100, provider="p2"),
    course("c5", {"A": 50}, 350, hours=150, provider="p3"),
    course("c6", {"A": 50}, 350, hours=150, provider="p3"),
    course("c8", {"A": 50}, 320, hours=300, provider="p4"),
]


def test_alternatives_are_distinct_labelled_and_priced_against_bundle_1() -> None:
    p = problem({"A": 100}, CATALOG, alternatives=4)
    r = solve(p)
    assert r.status == "optimal"
    got = [(b.rank, b.label, b.price, b.price_delta) for b in r.bundles]
    assert got == [
        (1, "cheapest", 500, 0),
        (2, "fewest hours", 800, 300),  # "fewest courses" would repeat bundle 1: skipped
        (3, "single provider: p3", 700, 200),  # p1 and p2 alone give earlier bundles
        (4, "2nd cheapest", 670, 170),  # only bundle 1 costs less
        (5, "3rd cheapest", 670, 170),  # equal to bundle 4: ranked after it
    ]
    sets = bundle_sets(r)
    assert sets[:3] == [frozenset({"c1"}), frozenset({"c2"}), frozenset({"c5", "c6"})]
    assert set(sets[3:]) == {frozenset({"c8", "c5"}), frozenset({"c8", "c6"})}
    for b in r.bundles:
        check_bundle(p, b)


def test_no_more_alternatives_than_distinct_plans() -> None:
    r = solve(problem({"A": 100}, CATALOG, alternatives=9))
    sets = bundle_sets(r)
    assert len(sets) == len(set(sets)) == 5
    # No alternative is an earlier plan padded with extra courses.
    for i, s in enumerate(sets):
        assert not any(s > earlier for earlier in sets[:i])


def test_variant_equal_to_bundle_1_is_skipped() -> None:
    fast_cheap = course("fast", {"A": 100}, 100, hours=50)
    slow = course("slow", {"A": 100}, 300, hours=500)
    r = solve(problem({"A": 100}, [fast_cheap, slow], alternatives=1))
    assert [(b.label, b.courses) for b in r.bundles] == [
        ("cheapest", ("fast",)),
        ("2nd cheapest", ("slow",)),
    ]


def test_cheapest_labels_count_the_earlier_bundles_that_cost_no_more() -> None:
    assert cheapest_label([500], 670) == "2nd cheapest"
    assert cheapest_label([500, 800, 700, 670], 670) == "3rd cheapest"
    assert cheapest_label([1, 2, 3], 9) == "4th cheapest"
    assert cheapest_label([1] * 10, 9) == "11th cheapest"
    assert cheapest_label([1] * 20, 9) == "21st cheapest"


def test_single_provider_search_says_whether_it_settled_every_provider() -> None:
    r = solve(problem({"A": 100}, CATALOG, alternatives=4))
    assert r.stats["single_provider_search"] == "complete"


def test_fewest_courses_variant() -> None:
    cs = [
        course("s1", {"A": 50}, 100, hours=100),
        course("s2", {"A": 50}, 100, hours=100),
        course("big", {"A": 100}, 900, hours=300),
    ]
    r = solve(problem({"A": 100}, cs, alternatives=2))
    labels = {b.label: b for b in r.bundles}
    assert labels["cheapest"].courses == ("s1", "s2")
    assert labels["fewest courses"].courses == ("big",)
    assert labels["fewest courses"].price_delta == 700
    assert "fewest hours" not in labels  # min hours is bundle 1 itself (200 < 300)


def test_alternatives_respect_every_rule() -> None:
    cs = [
        course("a", {"A": 100}, 100, hours=300, expires=None),
        course("b", {"A": 60, "B": 40}, 200, hours=100, provider="p2"),
        course("c", {"B": 100}, 150, hours=200, provider="p2"),
        course("d", {"A": 40, "B": 60}, 120, hours=250, provider="p3"),
        course("e", {"A": 100, "B": 100}, 500, hours=50, provider="p3"),
    ]
    p = problem({"A": 100, "B": 100}, cs, alternatives=6, hours_per_week=300)
    r = solve(p)
    sets = bundle_sets(r)
    assert len(sets) == len(set(sets)) == 3  # {a, c}, {b, d}, {e}: the only minimal plans
    for b in r.bundles:
        check_bundle(p, b)
        assert b.price_delta == b.price - r.bundles[0].price
        assert b.price_delta >= 0 or not b.label.endswith(" cheapest")
