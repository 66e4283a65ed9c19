"""Property tests: the solver against brute-force enumeration on small random instances."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.solver import Course, Extra, Package, Problem, Result, solve
from tests.unit.solver.solver_support import T0, brute_force, bundle_sets, check_bundle

SUBS = ("A", "B", "C")
MAJORS = {"A": "M1", "B": "M1", "C": "M2"}
PROVIDERS = ("p1", "p2", "p3")
FORMATS = ("online", "home-study", "webinar", "live")
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def courses(draw: st.DrawFn, code: str) -> Course:
    subs = draw(st.lists(st.sampled_from(SUBS), min_size=1, max_size=2, unique=True))
    credits = {s: draw(st.sampled_from((100, 50, 25, 150))) for s in subs}
    return Course(
        code=code,
        provider=draw(st.sampled_from(PROVIDERS)),
        price=draw(st.sampled_from((500, 200, 100, 300, 800, 0, None))),
        hours=draw(st.sampled_from((100, 200, 0, 300, 500))),
        ce_credits=sum(credits.values()) + draw(st.sampled_from((0, 50, 100))),
        credits=credits,
        format=draw(st.sampled_from(FORMATS)),
        approval_expires=draw(sometimes_a_date()),
        event_date=draw(sometimes_a_date()),
    )


@st.composite
def sometimes_a_date(draw: st.DrawFn) -> date | None:
    """A date near T0 (a few before it) one time in four, else None."""
    # Hypothesis starts from the simplest draws (0, the first element): make those benign.
    if draw(st.integers(0, 3)) < 3:
        return None
    return T0 + timedelta(days=85 - draw(st.integers(0, 90)))


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    n = draw(st.integers(3, 8))
    cs = [draw(courses(f"c{i}")) for i in range(n)]
    codes = [c.code for c in cs]
    packages = tuple(
        Package(
            code=f"k{j}",
            provider=draw(st.sampled_from(PROVIDERS)),
            price=draw(st.sampled_from((300, 100, 600, 900))),
            courses=tuple(draw(st.lists(st.sampled_from(codes), min_size=1, max_size=4))),
        )
        for j in range(draw(st.integers(0, 3)))
    )
    subset = st.frozensets(st.sampled_from(codes), max_size=2)
    required = {
        s: draw(st.sampled_from((100, 50, 150)))
        for s in draw(st.lists(st.sampled_from(SUBS), min_size=1, max_size=3, unique=True))
    }
    extras = tuple(
        Extra(kind, draw(st.sampled_from((100, 200, 300))))
        for kind in draw(
            st.lists(
                st.sampled_from(("total_ce", "total_discipline", "major_minimum")),
                max_size=1,
            )
        )
    )
    return Problem(
        required=required,
        courses=tuple(cs),
        packages=packages,
        as_of=T0,
        deadline=T0 + timedelta(days=90 - draw(st.integers(0, 90))),
        hours_per_week=draw(st.sampled_from((None, 1500, 700, 300, 0))),
        formats=draw(st.sampled_from((None, None, None, frozenset(FORMATS[1:])))),
        exclude_providers=draw(st.sampled_from((frozenset(), frozenset(), frozenset({"p3"})))),
        completed=draw(subset),
        owned=draw(subset),
        extras=extras,
        majors=MAJORS,
        alternatives=draw(st.integers(0, 3)),
    )


@SETTINGS
@given(problems())
def test_solver_matches_brute_force(p: Problem) -> None:
    """One generated instance checks bundle 1 against enumeration and every alternative
    against the rules (generation is the expensive part, so both share it)."""
    r = solve(p)
    best = brute_force(p)
    if best is None:
        assert r.status == "infeasible"
        assert r.bundles == ()
        return
    assert r.status == "optimal" and r.gap == 0.0
    b1 = r.bundles[0]
    check_bundle(p, b1)
    assert b1.price == best.price
    assert b1.hours == best.hours  # fewest hours among the cheapest plans
    assert len(b1.courses) == best.count  # fewest courses among those
    check_alternatives(p, r)


def check_alternatives(p: Problem, r: Result) -> None:
    sets = bundle_sets(r)
    assert len(sets) == len(set(sets))
    assert len(r.bundles) <= 1 + p.alternatives
    assert r.bundles[0].label == "cheapest"
    for rank, b in enumerate(r.bundles, start=1):
        assert b.rank == rank
        check_bundle(p, b)
        assert b.price_delta == b.price - r.bundles[0].price >= 0
        if b.label.startswith("single provider: "):
            assert {c.provider for c in p.courses if c.code in b.courses} == {b.label[17:]}
        else:
            assert b.label in ("cheapest", "fewest hours", "fewest courses") or (
                b.label.endswith(" cheapest") and b.label[0].isdigit()
            )


@st.composite
def extra_problems(draw: st.DrawFn) -> Problem:
    """Instances dominated by extra requirements (contract §6): `required` may be empty,
    up to all three extra kinds at once, and some courses give CE credits only (they are
    candidates only through total_ce)."""
    n = draw(st.integers(3, 8))
    cs = []
    for i in range(n):
        c = draw(courses(f"c{i}"))
        if draw(st.integers(0, 4)) == 0:  # a course with no credit in the discipline
            c = Course(
                code=c.code,
                provider=c.provider,
                price=c.price,
                hours=c.hours,
                ce_credits=draw(st.sampled_from((100, 200, 50))),
                credits={},
                format=c.format,
                approval_expires=c.approval_expires,
                event_date=c.event_date,
            )
        cs.append(c)
    codes = [c.code for c in cs]
    packages = tuple(
        Package(
            code=f"k{j}",
            provider=draw(st.sampled_from(PROVIDERS)),
            price=draw(st.sampled_from((300, 100, 600))),
            courses=tuple(draw(st.lists(st.sampled_from(codes), min_size=1, max_size=4))),
        )
        for j in range(draw(st.integers(0, 2)))
    )
    kinds = draw(
        st.lists(
            st.sampled_from(("total_ce", "total_discipline", "major_minimum")),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    extras = tuple(Extra(kind, draw(st.sampled_from((50, 100, 200, 300, 400)))) for kind in kinds)
    required = {
        s: draw(st.sampled_from((100, 50)))
        for s in draw(st.lists(st.sampled_from(SUBS), max_size=2, unique=True))
    }
    subset = st.frozensets(st.sampled_from(codes), max_size=2)
    return Problem(
        required=required,
        courses=tuple(cs),
        packages=packages,
        as_of=T0,
        deadline=T0 + timedelta(days=90 - draw(st.integers(0, 60))),
        hours_per_week=draw(st.sampled_from((None, None, 1500, 300))),
        exclude_providers=draw(st.sampled_from((frozenset(), frozenset({"p3"})))),
        completed=draw(subset),
        owned=draw(subset),
        extras=extras,
        majors=MAJORS,
        alternatives=draw(st.integers(0, 2)),
    )


@SETTINGS
@given(extra_problems())
def test_solver_matches_brute_force_with_extra_requirements(p: Problem) -> None:
    r = solve(p)
    best = brute_force(p)
    if best is None:
        assert r.status == "infeasible"
        assert r.bundles == ()
        if r.shortfall:  # every reported key really is short of eligible credit
            assert {s.category for s in r.shortfall} <= set(r.remaining)
            assert all(s.available < s.required for s in r.shortfall)
        return
    assert r.status == "optimal" and r.gap == 0.0
    b1 = r.bundles[0]
    check_bundle(p, b1)
    assert (b1.price, b1.hours, len(b1.courses)) == (best.price, best.hours, best.count)
    check_alternatives(p, r)
