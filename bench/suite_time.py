"""Benchmark: how long the whole test suite takes, as `make pytest` runs it (2 xdist workers).

Usage: .venv/bin/python bench/suite_time.py [--runs 3]

Runs `make pytest` (real PostgreSQL and Redis, the browser tests included) `--runs`
times in this checkout and reads pytest's own "in N s" line each time, with the machine's
busy and idle CPU seconds over the run (from /proc/stat: the browser, PostgreSQL and the
`manage.py` subprocesses are counted too). Writes bench/results/suite_time.md. Goal
(issue 12): under two minutes of test time on two cores. Needs the services running
(`make services`); stop other work on the machine first, it shares the cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import time
from pathlib import Path

from bench_setup import sections_after_top

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
GOAL_SECONDS = 120.0
SUMMARY = re.compile(r"(\d+) passed.* in ([\d.]+)s")


def cpu_seconds() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    user, nice, system, idle = fields[:4]
    return (user + nice + system) / ticks, idle / ticks


def one_run() -> tuple[int, float, float, float]:
    """(tests passed, pytest's seconds, busy CPU s, idle CPU s) of one `make pytest`."""
    busy0, idle0 = cpu_seconds()
    done = subprocess.run(["make", "pytest"], cwd=ROOT, capture_output=True, text=True)
    busy1, idle1 = cpu_seconds()
    found = SUMMARY.search(done.stdout.strip().splitlines()[-1] if done.stdout else "")
    if done.returncode != 0 or found is None:
        raise SystemExit(f"make pytest failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return int(found[1]), float(found[2]), busy1 - busy0, idle1 - idle0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = []
    for n in range(args.runs):
        runs.append(one_run())
        print(f"run {n + 1}: {runs[-1][1]:.1f} s")
    seconds = [r[1] for r in runs]
    worst = max(seconds)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        "# Test suite time",
        "",
        f"`bench/suite_time.py`: `make pytest` {args.runs} times on commit {commit} "
        "(2 xdist workers, PostgreSQL and Redis, the browser tests in "
        "chromium-headless-shell). Test time is pytest's own figure.",
        "",
        "| run | tests passed | test time s | machine busy CPU s | idle CPU s |",
        "|---|---|---|---|---|",
        *(
            f"| {i} | {passed} | {took:.1f} | {busy:.0f} | {idle:.0f} |"
            for i, (passed, took, busy, idle) in enumerate(runs, start=1)
        ),
        "",
        f"Median {statistics.median(seconds):.1f} s, worst {worst:.1f} s; goal under "
        f"{GOAL_SECONDS:.0f} s: {'met' if worst < GOAL_SECONDS else 'NOT met'}.",
        f"Machine: Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
    ]
    path = RESULTS / "suite_time.md"
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n" + sections_after_top(path))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
