"""Every obligation in one plan vs one plan per obligation (issue 15, item 4).

Generated technologists owe two to four obligations at once, each with its own deadline:
a CQR prescription, the ARRT biennium (24 CE credits; R.R.A. 50 with 25 Category A+),
a state licence renewal with its topic rules (Texas, California, Florida, New York,
Illinois, Ohio, Kentucky) and, for mammographers, MQSA (15 mammography credits). The
rules come from the portal's obligation templates
(obligations/data/obligation_templates.json); the catalog is generated (courses with
CT distribution credits, CE credits, tags from the portal's vocabulary, approval expiries,
event dates and packages) and so are the deadlines and the courses already completed.

For each technologist, with the engine itself (`matching.solver.solve`, the same solver
`recommend --json` runs, here without the database round trip):

- joint: ONE plan for all obligations: the CQR categories with the prescription's
  deadline, every other requirement as an `extra` with its own deadline and label
  (contract §6): a course counts toward an obligation only when it can be completed by
  that obligation's deadline;
- separate: one plan per obligation, each the engine's proven optimum for that obligation
  alone; their prices, course counts and hours are summed (each plan buys its courses
  once; a course that two separate plans both choose is bought twice).

Without weekly-hours limits the separate plans together always meet every obligation, so
the joint optimum can never cost more; the script checks that. Every solve must end
`optimal` (a proven cheapest plan).

Run: .venv/bin/python bench/joint_obligations.py [--technologists 100] [--seed 15]
Writes bench/results/joint_obligations.md.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from recommend_common import RESULTS, machine_note, markdown_table  # noqa: E402

from matching.solver import Course, Extra, Package, Problem, Result, solve  # noqa: E402

TEMPLATES = ROOT / "obligations" / "data" / "obligation_templates.json"
OUT = RESULTS / "joint_obligations.md"
AS_OF = date(2026, 11, 22)
SUBCATEGORIES = [f"CT-{k:02d}" for k in range(1, 13)]
PROVIDERS = [f"prov{k}" for k in range(10)]
STATE_LICENCES = (
    "tx-mrt",
    "ca-crt",
    "ca-crt-mammography",
    "fl-radiologic-technologist",
    "ny-radiologic-technologist",
    "il-accredited-technologist",
    "oh-radiographer",
    "ky-medical-imaging-technologist",
)
# (tag, share of courses carrying it)
TAG_SHARES = (
    ("ionizing-radiation", 0.55),
    ("digital-radiography", 0.12),
    ("fluoroscopy-radiation-safety", 0.05),
    ("category-a-plus", 0.12),
    ("sonography", 0.08),
    ("hiv-aids", 0.04),
    ("human-trafficking", 0.03),
)
TIME_LIMIT = 20.0


def hundredths(value: str | Decimal) -> int:
    return int(Decimal(value) * 100)


# --- the generated catalog ---------------------------------------------------------------


def make_catalog(rnd: random.Random, n: int) -> tuple[tuple[Course, ...], tuple[Package, ...]]:
    courses = []
    for i in range(n):
        ce = rnd.choice((25, 50, 100, 100, 150, 200, 300, 400))
        credits: dict[str, int] = {}
        if rnd.random() < 0.75:  # most courses carry some CT CQR credit
            for sub in rnd.sample(SUBCATEGORIES, rnd.randint(1, 2)):
                credits[sub] = min(ce, rnd.choice((25, 50, 75, 100, 150)))
            total = sum(credits.values())
            if total > ce:
                credits = {s: v * ce // total for s, v in credits.items()}
        tags = {tag for tag, share in TAG_SHARES if rnd.random() < share}
        if rnd.random() < 0.15:
            tags.add("mammography")
            tags.add(rnd.choice(("mammography-ffdm", "mammography-dbt", "mammography")))
        if "human-trafficking" in tags:
            ce, credits = rnd.choice((25, 50, 100)), {}
        fmt = rnd.choices(("online", "home-study", "webinar", "live"), (6, 2, 2, 1))[0]
        event = None
        if fmt in ("webinar", "live"):
            event = AS_OF + timedelta(days=rnd.randint(5, 900))
        expires = AS_OF + timedelta(days=rnd.randint(60, 1100)) if rnd.random() < 0.3 else None
        per_credit = rnd.choice((4, 6, 8, 10, 12, 15, 20))
        courses.append(
            Course(
                code=f"c{i:04d}",
                provider=rnd.choice(PROVIDERS),
                price=None if rnd.random() < 0.03 else per_credit * ce + rnd.choice((0, 0, 500)),
                hours=ce * 50 // 60 + rnd.choice((0, 0, 25)),
                ce_credits=ce,
                credits=credits,
                format=fmt,
                approval_expires=expires,
                event_date=event,
                tags=frozenset(tags),
            )
        )
    packages = []
    for j in range(n // 20):
        provider = rnd.choice(PROVIDERS)
        own = [c for c in courses if c.provider == provider]
        members = rnd.sample(own, min(len(own), rnd.randint(3, 8)))
        full = sum(c.price or 1500 for c in members)
        packages.append(
            Package(
                code=f"k{j:03d}",
                provider=provider,
                price=full * rnd.choice((50, 60, 70, 80)) // 100,
                courses=tuple(c.code for c in members),
            )
        )
    return tuple(courses), tuple(packages)


# --- generated technologists ---------------------------------------------------------------


@dataclass(frozen=True)
class Obligation:
    name: str  # template code, or "cqr"
    deadline: date
    required: dict[str, int] = field(default_factory=dict)  # CQR only
    extras: tuple[Extra, ...] = ()


@dataclass(frozen=True)
class Technologist:
    number: int
    obligations: tuple[Obligation, ...]
    completed: frozenset[str]


def template_obligation(template: dict[str, Any], deadline: date) -> Obligation:
    extras = tuple(
        Extra(
            kind=req["kind"],
            credits=hundredths(req["credits"]),
            deadline=deadline,
            label=req["label"],
            tags=frozenset(req.get("tags") or ()),
        )
        for req in template["requirements"]
    )
    return Obligation(template["code"], deadline, extras=extras)


def make_technologist(
    rnd: random.Random, number: int, templates: dict[str, Any], courses: tuple[Course, ...]
) -> Technologist:
    def some_day(first: int, last: int) -> date:
        return AS_OF + timedelta(days=rnd.randint(first, last))

    pool: list[Obligation] = []
    if rnd.random() < 0.85:
        required = {
            s: rnd.choice((50, 100, 150, 200, 300))
            for s in rnd.sample(SUBCATEGORIES, rnd.randint(2, 6))
        }
        pool.append(Obligation("cqr", some_day(200, 1100), required=required))
    biennium = "arrt-biennium-rra" if rnd.random() < 0.05 else "arrt-biennium"
    pool.append(template_obligation(templates[biennium], some_day(60, 730)))
    pool.append(template_obligation(templates[rnd.choice(STATE_LICENCES)], some_day(60, 730)))
    if rnd.random() < 0.3:
        pool.append(template_obligation(templates["mqsa-continuing"], some_day(120, 1095)))
    rnd.shuffle(pool)
    wanted = rnd.randint(2, min(4, len(pool)))
    chosen = sorted(pool[:wanted], key=lambda o: o.name != "cqr")
    done = frozenset(c.code for c in rnd.sample(courses, rnd.randint(0, 3)))
    return Technologist(number, tuple(chosen), done)


def problem_for(
    obligations: tuple[Obligation, ...],
    tech: Technologist,
    courses: tuple[Course, ...],
    packages: tuple[Package, ...],
) -> Problem:
    cqr = next((o for o in obligations if o.name == "cqr"), None)
    deadline = cqr.deadline if cqr else max(o.deadline for o in obligations)
    return Problem(
        required=dict(cqr.required) if cqr else {},
        courses=courses,
        packages=packages,
        as_of=AS_OF,
        deadline=deadline,
        completed=tech.completed,
        extras=tuple(e for o in obligations for e in o.extras),
        time_limit=TIME_LIMIT,
    )


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Plan:
    status: str
    price: int = 0
    courses: frozenset[str] = frozenset()
    count: int = 0
    hours: int = 0
    seconds: float = 0.0


def planned(problem: Problem) -> Plan:
    began = time.perf_counter()
    result: Result = solve(problem)
    seconds = time.perf_counter() - began
    if not result.bundles:
        return Plan(result.status, seconds=seconds)
    b1 = result.bundles[0]
    return Plan(result.status, b1.price, frozenset(b1.courses), len(b1.courses), b1.hours, seconds)


@dataclass
class Row:
    tech: Technologist
    joint: Plan
    separate: list[Plan]

    @property
    def ok(self) -> bool:
        return self.joint.status == "optimal" and all(p.status == "optimal" for p in self.separate)

    def sep(self, attribute: str) -> float:
        return float(sum(getattr(p, attribute) for p in self.separate))

    @property
    def bought_twice(self) -> int:
        """Courses chosen by more than one separate plan."""
        seen: dict[str, int] = {}
        for p in self.separate:
            for code in p.courses:
                seen[code] = seen.get(code, 0) + 1
        return sum(1 for n in seen.values() if n > 1)


def run(n: int, seed: int, catalog_size: int) -> tuple[list[Row], int]:
    rnd = random.Random(seed)  # reproducible benchmark data
    templates = {t["code"]: t for t in json.loads(TEMPLATES.read_text())["templates"]}
    courses, packages = make_catalog(rnd, catalog_size)
    rows: list[Row] = []
    for k in range(n):
        tech = make_technologist(rnd, k + 1, templates, courses)
        joint = planned(problem_for(tech.obligations, tech, courses, packages))
        separate = [planned(problem_for((o,), tech, courses, packages)) for o in tech.obligations]
        row = Row(tech, joint, separate)
        rows.append(row)
        if row.ok and joint.price > row.sep("price"):
            raise AssertionError(f"technologist {k + 1}: joint plan dearer than the separate ones")
        print(
            f"{k + 1:3d} {len(tech.obligations)} obligations  joint {joint.status:10s}"
            f" {joint.price / 100:8.2f}  separate {row.sep('price') / 100:8.2f}"
            f"  {joint.seconds:5.2f}s / {row.sep('seconds'):5.2f}s",
            flush=True,
        )
    return rows, len(courses)


def _money(cents: float) -> str:
    return f"{cents / 100:,.2f}"


def _summary(rows: list[Row], label: str) -> list[Any]:
    jp = sum(r.joint.price for r in rows)
    sp = sum(r.sep("price") for r in rows)
    saved = [(r.sep("price") - r.joint.price) / r.sep("price") for r in rows if r.sep("price")]
    return [
        label,
        len(rows),
        _money(jp),
        _money(sp),
        f"{100 * (sp - jp) / sp:.1f} %" if sp else "–",
        f"{100 * statistics.median(saved):.1f} %" if saved else "–",
        f"{sum(r.joint.count for r in rows)} / {int(sum(r.sep('count') for r in rows))}",
        f"{sum(r.joint.hours for r in rows) / 100:,.1f} / "
        f"{sum(r.sep('hours') for r in rows) / 100:,.1f}",
        f"{statistics.mean(r.joint.seconds for r in rows):.2f} / "
        f"{statistics.mean(r.sep('seconds') for r in rows):.2f}",
        f"{max(r.joint.seconds for r in rows):.2f}",
    ]


def report(rows: list[Row], catalog_size: int, seed: int) -> str:
    ok = [r for r in rows if r.ok]
    header = [
        "technologists",
        "n",
        "joint cost $",
        "separate cost $",
        "saved",
        "median saved",
        "courses joint / separate",
        "hours joint / separate",
        "mean solve s joint / separate",
        "max joint s",
    ]
    by_count = [
        _summary([r for r in ok if len(r.tech.obligations) == k], f"{k} obligations")
        for k in (2, 3, 4)
        if any(len(r.tech.obligations) == k for r in ok)
    ]
    table = markdown_table(header, [_summary(ok, "all"), *by_count])
    cheaper = sum(1 for r in ok if r.joint.price < r.sep("price"))
    twice = sum(r.bought_twice for r in ok)
    kinds: dict[str, int] = {}
    for r in rows:
        for o in r.tech.obligations:
            kinds[o.name] = kinds.get(o.name, 0) + 1
    not_ok = [r for r in rows if not r.ok]
    statuses = sorted(
        {
            f"{r.tech.number}: joint {r.joint.status}, separate {[p.status for p in r.separate]}"
            for r in not_ok
        }
    )
    lines = [
        "# Joint plan for every obligation vs one plan per obligation",
        "",
        f"`bench/joint_obligations.py --technologists {len(rows)} --seed {seed}`: "
        f"{len(rows)} generated technologists with 2-4 obligations each, each obligation with "
        f"its own deadline, on a generated catalog of {catalog_size} courses "
        f"({len(PROVIDERS)} providers, {catalog_size // 20} packages, tags from the portal's "
        "vocabulary). Obligation rules from obligations/data/obligation_templates.json. "
        "Every plan is the engine's bundle 1 (matching.solver.solve, price proven optimal, "
        "then fewest hours, then fewest courses). *Joint*: one plan for all obligations "
        "(a course counts toward an obligation only if it can be done by that obligation's "
        "deadline). *Separate*: one plan per obligation, prices, courses and hours summed.",
        "",
        f"Planned: {len(ok)} technologists with every solve `optimal`"
        + (f"; left out: {len(not_ok)} ({'; '.join(statuses)})" if not_ok else "")
        + ".",
        "",
        table,
        "",
        f"- The joint plan was strictly cheaper for {cheaper} of {len(ok)} technologists and "
        "never dearer (checked for each).",
        f"- Courses that two or more separate plans chose (so were bought twice): {twice} in all.",
        "- Obligations drawn: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + ".",
        "- `courses` and `hours` of the separate plans count a course once per plan that "
        "takes it; solve time per technologist is the one joint solve vs the sum of the "
        "separate solves.",
        "",
        machine_note().replace("; SQLite", "; solver only, no database"),
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--technologists", type=int, default=100)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--catalog-size", type=int, default=800)
    args = parser.parse_args()
    rows, size = run(args.technologists, args.seed, args.catalog_size)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(report(rows, size, args.seed))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
