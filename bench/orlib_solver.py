"""Solver-only benchmark on J.E. Beasley's OR-Library set-covering instances.

Each instance becomes a Problem: one subcategory per row (requirement 1.00 credit = 100),
one course per column (price = cost x 100 cents, 1.00 credit in every row it covers,
1.00 hour, 1.00 CE credit).  The cheapest plan's price must equal the published optimum
x 100 with status "optimal".  Writes bench/results/orlib_solver.md.

    .venv/bin/python bench/orlib_solver.py [--time-limit 20] [--only scp41 scpa1]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from orlib_data import read_instance, read_optima  # noqa: E402

from matching.solver import Course, Problem, solve  # noqa: E402

OUT = ROOT / "bench" / "results" / "orlib_solver.md"
AS_OF = date(2026, 1, 1)
DEADLINE = date(2027, 12, 31)


def to_problem(m: int, costs: list[int], rows: list[list[int]], time_limit: float) -> Problem:
    covers: list[dict[str, int]] = [{} for _ in costs]
    for i, cols in enumerate(rows):
        for j in cols:
            covers[j][f"r{i + 1}"] = 100
    courses = tuple(
        Course(
            code=f"c{j + 1}",
            provider="orlib",
            price=cost * 100,
            hours=100,
            ce_credits=100,
            credits=covers[j],
            format="online",
        )
        for j, cost in enumerate(costs)
    )
    return Problem(
        required={f"r{i + 1}": 100 for i in range(m)},
        courses=courses,
        as_of=AS_OF,
        deadline=DEADLINE,
        time_limit=time_limit,
    )


def run(name: str, optimum: int, time_limit: float) -> dict[str, object]:
    costs, rows = read_instance(name)
    m = len(rows)
    problem = to_problem(m, costs, rows, time_limit)
    began = time.perf_counter()
    result = solve(problem)
    seconds = time.perf_counter() - began
    found = result.bundles[0].price // 100 if result.bundles else None
    phases = result.stats.get("phases")
    first = phases[0] if isinstance(phases, list) and phases else {}
    return {
        "instance": name,
        "rows": m,
        "cols": len(costs),
        "optimum": optimum,
        "found": found,
        "status": result.status,
        "seconds": seconds,
        "price_seconds": first.get("seconds"),
        "ok": found == optimum and result.status == "optimal",
    }


def write_table(results: list[dict[str, object]], time_limit: float, load: float) -> None:
    ok = sum(1 for r in results if r["ok"])
    total = sum(float(str(r["seconds"])) for r in results)
    lines = [
        "# OR-Library set covering: solver only (matching.solver.solve)",
        "",
        f"Time limit per instance: {time_limit:g} s (price phase, then hours and course-count "
        "tie-breaks within the same budget). `seconds` is the whole solve (wall clock); "
        "`price s` is the HiGHS price phase alone.",
        "",
        f"Machine: {os.cpu_count()} cores, load average {load:.1f} when the run started "
        "(wall-clock times grow with load).",
        "",
        "| instance | rows | cols | optimum | found | status | seconds | price s |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    lines.extend(
        f"| {r['instance']} | {r['rows']} | {r['cols']} | {r['optimum']} | {r['found']} "
        f"| {r['status']} | {float(str(r['seconds'])):.2f} | {r['price_seconds']} |"
        for r in results
    )
    lines += ["", f"**{ok}/{len(results)} optimal at the published optimum; total {total:.1f} s.**"]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    optima = read_optima()
    names = sorted(args.only or optima, key=lambda s: (len(s), s))
    load = os.getloadavg()[0]
    results = []
    for name in names:
        r = run(name, int(optima[name]["optimum"]), args.time_limit)
        print(
            f"{name:7s} opt={r['optimum']:<5} found={r['found']!s:<5} {r['status']:9s} "
            f"{float(str(r['seconds'])):6.2f}s",
            flush=True,
        )
        results.append(r)
    write_table(results, args.time_limit, load)
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
