"""recommend at catalog scale: 1k, 10k and 50k courses, several prescriptions each.

For every size a deterministic catalog (fixed seed, the shipped ARRT outlines' real
subcategory names, ~40 providers, packages, events, expiries, package-only courses) is
imported into its own temporary SQLite database. Then, per prescription:

- `recommend --json` wall time as a new process (start-up + catalog load + solve + JSON),
  the best of 3 runs (the first warms the OS file cache);
- in-process: catalog load and full solve times, and the model size from the solver's
  statistics (candidates, variables, constraints, non-zeros);
- a bare HiGHS solve of the same model: the solver's own formulation of the same
  Problem handed to a fresh `highspy.Highs` with the price objective only and a zero gap,
  timing `run()` alone (no catalog, no tie-breaks, no alternatives, no start-up).

Goal (issue 4): <= 2 s end to end at 50k courses including start-up, and within 3x the
bare HiGHS solve. Run: .venv/bin/python bench/recommend_scale.py [--sizes 1000,10000,50000]
Writes bench/results/recommend_scale.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recommend_common import (
    RESULTS,
    ROOT,
    Portal,
    django_setup,
    machine_note,
    markdown_table,
)

OUTLINES = ROOT / "catalog" / "data" / "arrt_outlines.json"
AS_OF = date(2026, 11, 22)
# Relative share of courses per discipline (CT, MR, R and M dominate real catalogs).
WEIGHTS = {"CT": 6, "MR": 5, "R": 6, "M": 4, "N": 2, "S": 2, "T": 1, "VS": 1, "BS": 1}


def outline_names() -> dict[str, list[str]]:
    data = json.loads(OUTLINES.read_text())
    # The last listed version of each discipline (cqr-outlines/1).
    return {d["discipline"]: [c["name"] for c in d["categories"]] for d in data["outlines"]}


def generate_catalog(n: int, seed: int = 2026) -> dict[str, Any]:
    rng = random.Random(seed)
    names = outline_names()
    disciplines = [code for code in WEIGHTS if code in names]
    weights = [WEIGHTS[code] for code in disciplines]
    providers = [f"prov{p:02d}" for p in range(40)]
    courses: list[dict[str, Any]] = []
    by_provider: dict[str, list[tuple[str, float]]] = {p: [] for p in providers}
    for i in range(n):
        provider = providers[min(int(rng.paretovariate(1.2)) - 1, len(providers) - 1)]
        primary = rng.choices(disciplines, weights)[0]
        rows: dict[tuple[str, str], float] = {}
        for sub in rng.sample(names[primary], k=min(len(names[primary]), rng.randint(1, 3))):
            rows[primary, sub] = rng.choice([0.25, 0.5, 0.75, 1.0, 1.0, 1.5, 2.0])
        if rng.random() < 0.3:
            other = rng.choices(disciplines, weights)[0]
            rows[other, rng.choice(names[other])] = rng.choice([0.25, 0.5, 1.0])
        per_discipline: dict[str, float] = {}
        for (disc, _), credits in rows.items():
            per_discipline[disc] = per_discipline.get(disc, 0) + credits
        ce = max(per_discipline.values()) + rng.choice([0, 0, 0.25, 0.5, 1.0])
        fmt = rng.choices(["online", "home-study", "webinar", "live"], [60, 20, 12, 8])[0]
        price = None if rng.random() < 0.04 else round(rng.uniform(4, 40) * ce + 5)
        course: dict[str, Any] = {
            "code": f"c{i:06d}",
            "provider": provider,
            "title": f"Course {i}",
            "format": fmt,
            "price": None if price is None else f"{price}.00",
            "ce_credits": f"{ce:.2f}",
            "distribution": [
                {"discipline": disc, "category": sub, "credits": f"{credits:.2f}"}
                for (disc, sub), credits in rows.items()
            ],
        }
        if fmt in ("webinar", "live"):
            course["event_date"] = (AS_OF + timedelta(days=rng.randint(-60, 700))).isoformat()
        if rng.random() < 0.3:
            course["approval_expires"] = (
                AS_OF + timedelta(days=rng.randint(-100, 1100))
            ).isoformat()
        courses.append(course)
        by_provider[provider].append((course["code"], price if price is not None else 25))
    packages: list[dict[str, Any]] = []
    for provider, items in by_provider.items():
        for k in range(len(items) // 40):
            members = rng.sample(items, k=min(len(items), rng.randint(3, 8)))
            packages.append(
                {
                    "code": f"{provider}-pack{k:04d}",
                    "provider": provider,
                    "title": f"{provider} bundle {k}",
                    "price": f"{round(sum(p for _, p in members) * rng.uniform(0.6, 0.9))}.00",
                    "courses": [code for code, _ in members],
                }
            )
    # Courses without a price must be sold in some package (catalog rule).
    packaged = {code for pack in packages for code in pack["courses"]}
    for course in courses:
        if course["price"] is None and course["code"] not in packaged:
            course["price"] = "30.00"
    return {
        "format": "cqr-catalog/1",
        "providers": [{"code": p, "name": f"Provider {p}", "url": ""} for p in providers],
        "courses": courses,
        "packages": packages,
    }


def prescriptions(names: dict[str, list[str]]) -> list[tuple[str, dict[str, Any], list[str]]]:
    def rx(discipline: str, required: dict[str, float], **extra: Any) -> dict[str, Any]:
        return {
            "format": "cqr-prescription/1",
            "discipline": discipline,
            "issued_on": "2026-09-01",
            "deadline": "2027-12-31",
            "as_of": AS_OF.isoformat(),
            "required": [{"category": k, "credits": f"{v:.2f}"} for k, v in required.items()],
            **extra,
        }

    ct, mr, r, m = names["CT"], names["MR"], names["R"], names["M"]
    return [
        ("CT, 2 categories", rx("CT", {ct[2]: 3, ct[1]: 1.5}), []),
        (
            "CT, all 7 categories, 3 h/week",
            rx("CT", dict.fromkeys(ct, 2.0), hours_per_week="3"),
            [],
        ),
        (
            "MR, 3 categories, 3 alternatives",
            rx("MR", dict.fromkeys(mr[:3], 2.5)),
            ["--alternatives", "3"],
        ),
        (
            "R, 2 categories + biennial 24 CE",
            rx("R", {r[0]: 2, r[3]: 2}, extra=[{"kind": "total_ce", "credits": "24"}]),
            [],
        ),
        (
            "M, 3 categories, 4 months, online only, 2 h/week",
            rx(
                "M",
                dict.fromkeys(m[:3], 1.5),
                deadline="2027-03-31",
                formats=["online", "home-study"],
                hours_per_week="2",
            ),
            [],
        ),
    ]


def bare_highs_seconds(problem: Any) -> float:
    """HiGHS run() time on the solver's formulation of `problem`, price objective only."""
    import highspy

    from matching.solver.formulation import build
    from matching.solver.instance import prepare
    from matching.solver.milp import pass_formulation

    form = build(prepare(problem))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    pass_formulation(h, form)
    began = time.perf_counter()
    h.run()
    return time.perf_counter() - began


def in_process(db: Path, document: dict[str, Any], alternatives: int) -> dict[str, Any]:
    from matching.services.problem import recommend, solver_problem_from_spec
    from prescriptions.documents import prescription_spec_from_document

    spec = prescription_spec_from_document(document)
    rec = recommend(spec, alternatives=alternatives)
    problem, _ = solver_problem_from_spec(spec, alternatives=alternatives)
    stats = rec.result.stats
    return {
        "loaded": len(problem.courses),
        "candidates": stats.get("candidates", "—"),
        "variables": stats.get("variables", "—"),
        "constraints": stats.get("constraints", "—"),
        "nonzeros": stats.get("nonzeros", "—"),
        "load": rec.timings["load_seconds"],
        "solve": rec.timings["solve_seconds"],
        "bare": bare_highs_seconds(problem) if "variables" in stats else 0.0,
        "status": rec.document["status"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    names = outline_names()
    rows: list[list[Any]] = []
    worst_50k = 0.0
    configured = False
    with tempfile.TemporaryDirectory(prefix="recommend-scale-") as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            portal = Portal(Path(tmp) / f"n{size}")
            portal.migrate()
            import_seconds = portal.import_catalog(generate_catalog(size))
            if not configured:  # this process reads the first size's DB; later ones re-point
                django_setup(portal.db)
                configured = True
            else:
                from django.db import connections

                connections["default"].close()
                connections["default"].settings_dict["NAME"] = str(portal.db)
            for label, document, extra_args in prescriptions(names):
                alternatives = int(extra_args[1]) if extra_args else 0
                walls = []
                for _ in range(args.repeat):
                    result, seconds = portal.recommend(document, *extra_args)
                    walls.append(seconds)
                wall = min(walls)
                inner = in_process(portal.db, document, alternatives)
                if size >= 50000:
                    worst_50k = max(worst_50k, wall)
                bundle = result["bundles"][0] if result["bundles"] else None
                rows.append(
                    [
                        f"{size:,}",
                        label,
                        result["status"],
                        bundle["price"] if bundle else "—",
                        len(result["bundles"]),
                        f"{wall:.2f}",
                        f"{inner['load']:.3f}",
                        f"{inner['solve']:.3f}",
                        f"{inner['loaded']:,} / {inner['candidates']:,}"
                        if isinstance(inner["candidates"], int)
                        else f"{inner['loaded']:,} / —",
                        f"{inner['variables']} × {inner['constraints']} ({inner['nonzeros']} nz)",
                        f"{inner['bare']:.3f}",
                        f"{wall / inner['bare']:.1f}×" if inner["bare"] > 0 else "—",
                    ]
                )
                print(" | ".join(str(c) for c in rows[-1]), flush=True)
            print(f"import of {size} courses: {import_seconds:.1f} s", flush=True)
    header = [
        "courses",
        "prescription",
        "status",
        "price",
        "bundles",
        "recommend wall s",
        "load s",
        "solve s",
        "loaded / candidates",
        "model (vars × rows)",
        "bare HiGHS s",
        "wall / bare",
    ]
    text = (
        "# recommend at catalog scale\n\n"
        f"{machine_note()}. `recommend wall s`: best of {args.repeat} runs of "
        "`manage.py recommend FILE --json` as a new process (includes Python + Django "
        "start-up, catalog load, every solver phase, JSON). `load s` / `solve s`: the same "
        "in-process. `loaded`: courses read from the database; `candidates`: those left "
        "after eligibility; model size from the solver's statistics. `bare HiGHS s`: "
        "`Highs.run()` alone on the solver's formulation with the price objective only.\n\n"
        + markdown_table(header, rows)
        + f"\n\nWorst end-to-end time at 50,000 courses: **{worst_50k:.2f} s** (goal <= 2 s).\n"
    )
    (RESULTS / "recommend_scale.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
