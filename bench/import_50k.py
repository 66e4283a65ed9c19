"""Benchmark: import a 50,000-course catalog on SQLite, then import it again (a no-op).

Usage: .venv/bin/python bench/import_50k.py [--courses N] [--keep DIR]

Generates a deterministic `cqr-catalog/1` file (fixed seed) naming the shipped ARRT
outlines, creates a fresh temporary SQLite database, runs `manage.py migrate` and then
`manage.py import_catalog` twice through subprocesses with DATABASE_URL set, exactly as
an external acceptance suite drives the portal. Wall times include process start-up.
Writes bench/results/import_50k.md. The target is <= 60 s per import.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTLINES = ROOT / "catalog" / "data" / "arrt_outlines.json"
RESULTS = ROOT / "bench" / "results" / "import_50k.md"
SEED = 20261123
TARGET_SECONDS = 60.0
CPU_TIMES: list[float] = []  # user + system seconds of each manage.py run, in order
FORMATS = ["online"] * 6 + ["home-study"] * 2 + ["webinar", "live"]


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def generate(courses: int, seed: int = SEED) -> dict[str, Any]:
    """A realistic large catalog: 25 providers, 1–3 distribution rows per course, packages."""
    rng = random.Random(seed)
    outlines = json.loads(OUTLINES.read_text(encoding="utf-8"))["outlines"]
    # The last listed version of each discipline (cqr-outlines/1).
    categories = {d["discipline"]: [c["name"] for c in d["categories"]] for d in outlines}
    disciplines = sorted(categories)
    providers = [
        {
            "code": f"prov{p:02d}",
            "name": f"Benchmark Provider {p:02d}",
            "url": "https://example.org",
        }
        for p in range(25)
    ]
    records: list[dict[str, Any]] = []
    package_only: list[int] = []
    start = date(2026, 1, 1)
    for i in range(courses):
        provider = providers[i % len(providers)]["code"]
        fmt = rng.choice(FORMATS)
        ce = Decimal(rng.randint(2, 16)) / 4  # 0.50 .. 4.00
        discipline = rng.choice(disciplines)
        pool = categories[discipline]
        names = rng.sample(pool, k=min(rng.randint(1, 3), len(pool)))
        left, rows = ce, []
        for name in names:
            share = (left / 2).quantize(Decimal("0.25")) if name != names[-1] else left
            share = max(share, Decimal("0.25"))
            if share > left or share <= 0:
                break
            rows.append({"discipline": discipline, "category": name, "credits": money(share)})
            left -= share
        code = f"{provider}-c{i:05d}"
        record = {
            "code": code,
            "provider": provider,
            "title": f"Course {i} in {discipline}",
            "format": fmt,
            "price": money(Decimal(rng.randint(0, 15000)) / 100),
            "ce_credits": money(ce),
            "approval_expires": (start + timedelta(days=rng.randint(300, 1500))).isoformat(),
            "event_date": None,
            "url": f"https://example.org/{provider}/{i}",
            "distribution": rows,
        }
        if rng.random() < 0.5:
            record["hours"] = money(ce * Decimal("1.1"))
        if fmt in ("webinar", "live"):
            record["event_date"] = (start + timedelta(days=rng.randint(200, 900))).isoformat()
        if rng.random() < 0.05:
            record["price"] = None
            package_only.append(i)
        records.append(record)
    packages = []
    in_package = set()
    # Every package-only course gets a package; then more packages of 3–8 courses.
    for n, i in enumerate(package_only):
        provider = records[i]["provider"]
        mates = [j for j in range(i % 25, courses, 25) if j != i][: rng.randint(2, 5)]
        members = [records[i]["code"], *(records[j]["code"] for j in mates)]
        in_package.update(members)
        packages.append(
            {"code": f"{provider}-p{n:05d}", "provider": provider, "title": f"Pack {n}",
             "price": money(Decimal(rng.randint(1000, 30000)) / 100), "courses": members}
        )  # fmt: skip
    for n in range(len(package_only), len(package_only) + 1000):
        p = rng.randrange(25)
        picks = rng.sample(range(p, courses, 25), k=rng.randint(3, 8))
        provider = providers[p]["code"]
        packages.append(
            {"code": f"{provider}-p{n:05d}", "provider": provider, "title": f"Pack {n}",
             "price": money(Decimal(rng.randint(1000, 30000)) / 100),
             "courses": [records[j]["code"] for j in picks]}
        )  # fmt: skip
    return {
        "format": "cqr-catalog/1",
        "providers": providers,
        "courses": records,
        "packages": packages,
    }


def manage(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run manage.py; return (wall seconds, stdout). CPU seconds go to CPU_TIMES."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_TIMES.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return elapsed, done.stdout.strip()


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    found = re.search(r"model name\s*:\s*(.+)", text)
    return found.group(1).strip() if found else "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=50_000)
    parser.add_argument("--keep", help="use this directory (kept) instead of a temporary one")
    parser.add_argument("--no-write", action="store_true", help="do not write the results file")
    options = parser.parse_args()
    workdir = Path(options.keep or tempfile.mkdtemp(prefix="cqr-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    catalog = workdir / "catalog.json"
    database = workdir / "bench.sqlite3"
    database.unlink(missing_ok=True)

    started = time.perf_counter()
    document = generate(options.courses)
    catalog.write_text(json.dumps(document), encoding="utf-8")
    generated = time.perf_counter() - started
    rows = sum(len(c["distribution"]) for c in document["courses"])
    print(f"generated {options.courses} courses, {rows} distribution rows, "
          f"{len(document['packages'])} packages in {generated:.1f} s -> {catalog}")  # fmt: skip

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_DEBUG": "true"}
    extra = ["--skip-checks"] if os.environ.get("BENCH_SKIP_CHECKS") == "1" else []
    migrate_s, _ = manage(["migrate", "--noinput", "-v0", *extra], env)
    first_s, first_out = manage(["import_catalog", str(catalog), *extra], env)
    second_s, second_out = manage(["import_catalog", str(catalog), *extra], env)
    print(f"migrate {migrate_s:.1f} s\nfirst import {first_s:.1f} s: {first_out}")
    print(f"re-import {second_s:.1f} s: {second_out}")
    if "(no changes)" not in second_out:
        sys.exit("re-import changed something: it must be a no-op")
    # A provider-wide revision: every title and every first distribution row changes.
    for record in document["courses"]:
        record["title"] += " (2nd edition)"
        if record["distribution"]:
            record["distribution"][0]["credits"] = "0.25"
    changed = workdir / "catalog-changed.json"
    changed.write_text(json.dumps(document), encoding="utf-8")
    third_s, third_out = manage(["import_catalog", str(changed), *extra], env)
    print(f"update of every course {third_s:.1f} s: {third_out}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())

    lines = [
        "# Catalog import benchmark: 50,000 courses on SQLite",
        "",
        f"Run by `bench/import_50k.py` on {date.today().isoformat()} (seed {SEED}).",
        "",
        f"- Machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}; load average (1, 5, 15 min) "
        f"at the end: {load} — above 2 means other work shared the two CPUs",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        f"- Catalog: {options.courses:,} courses, {rows:,} distribution rows, "
        f"{len(document['packages']):,} packages, 25 providers, "
        f"{catalog.stat().st_size / 1e6:.1f} MB of JSON",
        "",
        "| step (`manage.py`, fresh SQLite file via DATABASE_URL) | wall time | CPU time |",
        "|---|---|---|",
        f"| `migrate` | {migrate_s:.1f} s | {CPU_TIMES[0]:.1f} s |",
        f"| `import_catalog` into the empty database | **{first_s:.1f} s** "
        f"| {CPU_TIMES[1]:.1f} s |",
        f"| `import_catalog` of the same file again (no-op) | **{second_s:.1f} s** "
        f"| {CPU_TIMES[2]:.1f} s |",
        f"| `import_catalog` with every course changed (title + distribution) | {third_s:.1f} s "
        f"| {CPU_TIMES[3]:.1f} s |",
        "",
        f"Target: at most {TARGET_SECONDS:.0f} s per import. Times include Python and Django "
        "start-up and JSON parsing. CPU time (user + system of the process) does not depend on "
        "what else the machine was doing; wall time does.",
        "",
        f"First import: `{first_out}`",
        "",
        f"Re-import: `{second_out}`",
        "",
        f"Update: `{third_out}`",
        "",
    ]
    if not options.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text("\n".join(lines), encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    if max(first_s, second_s, third_s) > TARGET_SECONDS:
        sys.exit(f"too slow: target is {TARGET_SECONDS:.0f} s")


if __name__ == "__main__":
    main()
