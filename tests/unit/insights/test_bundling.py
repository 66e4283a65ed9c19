"""The package MILP against brute force on small instances (no database)."""

from __future__ import annotations

import itertools
import random

import pytest

from insights.bundling import CandidateCourse, Pattern, covers, package_credits, suggest_package

SUBS = ("a", "b", "c", "d")


def random_instance(seed: int) -> tuple[list[CandidateCourse], list[Pattern]]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    courses = [
        CandidateCourse(
            code=f"c{i}",
            price=rng.choice((1000, 1500, 2000, 2500, 4000)),
            credits={s: rng.choice((50, 100, 150)) for s in rng.sample(SUBS, rng.randint(1, 3))},
        )
        for i in range(rng.randint(3, 8))
    ]
    patterns = [
        Pattern(
            required={s: rng.choice((50, 100, 200)) for s in rng.sample(SUBS, rng.randint(1, 3))},
            weight=rng.randint(1, 6),
        )
        for _ in range(rng.randint(1, 6))
    ]
    return courses, patterns


def brute_force(
    courses: list[CandidateCourse], patterns: list[Pattern], target: int | None = None
) -> tuple[int, int, int]:
    """(covered weight, price, size) of the best subset by the suggestion's order."""
    best: tuple[int, int, int] | None = None
    for size in range(len(courses) + 1):
        for subset in itertools.combinations(courses, size):
            credits = package_credits(subset)
            weight = sum(p.weight for p in patterns if covers(credits, p.required))
            price = sum(c.price for c in subset)
            if target is not None:
                if weight < target:
                    continue
                key = (0, price, size)
            else:
                key = (-weight, price, size)
            if best is None or key < best:
                best = key
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(40))
def test_it_finds_the_cheapest_package_covering_the_most_prescriptions(seed: int) -> None:
    courses, patterns = random_instance(seed)
    result = suggest_package(courses, patterns)
    best_weight, best_price, best_size = brute_force(courses, patterns)
    picked = [c for c in courses if c.code in result.courses]
    credits = package_credits(picked)
    covered = sum(p.weight for p in patterns if covers(credits, p.required))
    assert result.proven
    assert covered == result.covered_weight == -best_weight
    if covered:
        assert (result.price, len(picked)) == (best_price, best_size)
    assert result.price == sum(c.price for c in picked)


@pytest.mark.parametrize("seed", range(15))
def test_with_a_target_it_finds_the_cheapest_package_reaching_it(seed: int) -> None:
    courses, patterns = random_instance(seed)
    most = suggest_package(courses, patterns).covered_weight
    if most < 2:
        return
    target = most // 2
    result = suggest_package(courses, patterns, target=target)
    _, best_price, _ = brute_force(courses, patterns, target=target)
    assert result.covered_weight >= target
    assert result.price == best_price


def test_it_suggests_nothing_when_no_pattern_can_be_covered() -> None:
    courses = [CandidateCourse("c1", 1000, {"a": 100})]
    result = suggest_package(courses, [Pattern({"a": 100, "b": 50}, 7)])
    assert (result.courses, result.covered_weight, result.total_weight) == ((), 0, 7)
