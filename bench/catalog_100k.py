"""Benchmark: database time of the catalog and home pages at 100,000 courses (PostgreSQL).

Usage: .venv/bin/python bench/catalog_100k.py [--courses 100000] [--db-name NAME]
       [--server-url postgresql://app:app@127.0.0.1:5432/app] [--repeat 7] [--drop]

Creates the PostgreSQL database NAME (default cqr_bench_catalog) next to the server URL's
database unless it exists, migrates it and imports a deterministic catalog of `--courses`
courses (bench/import_50k.py's generator: 25 providers, 1–3 distribution rows per course,
packages) with `manage.py import_catalog`, skipped when the database already holds that
many. Then it renders the home page and the catalog page (first page, each filter, price
sort, a deep page) through Django's test client in this process, `--repeat` times each
after one warm-up, timing every SQL statement with a connection execute wrapper. The page
count of a filter is cached (catalog.selectors); the first (uncached) render is reported
separately. Writes bench/results/catalog_100k.md. Goal: under 50 ms database time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from bench_setup import QueryTimer, db_url, django_in_process, manage  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "catalog_100k.md"
GOAL_MS = 50.0


def ensure_database(server_url: str, name: str, drop: bool) -> None:
    import psycopg2

    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            if drop:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def server_ms(statements: list[tuple[str, Any]]) -> float:
    """Planning + execution time PostgreSQL reports for the statements (EXPLAIN ANALYZE):
    the database's own time, without round trips or waiting for a CPU on the client."""
    from django.db import connection

    total = 0.0
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            total += plan[0]["Planning Time"] + plan[0]["Execution Time"]
    return total


def measure(client: Any, path: str, repeat: int) -> dict[str, Any]:
    from django.core.cache import cache
    from django.db import connection

    cache.clear()
    samples: list[tuple[float, float, int]] = []
    slowest: list[tuple[float, str]] = []
    servers: list[float] = []
    first_server = 0.0
    for attempt in range(repeat + 1):
        timer = QueryTimer()
        began = time.perf_counter()
        with connection.execute_wrapper(timer):
            response = client.get(path)
        wall = time.perf_counter() - began
        if response.status_code != 200:
            sys.exit(f"GET {path} answered {response.status_code}")
        samples.append((sum(timer.seconds) * 1000, wall * 1000, len(timer.seconds)))
        statements = list(zip(timer.sql, timer.params, strict=True))
        if attempt:
            servers.append(server_ms(statements))
        else:
            first_server = server_ms(statements)
        if attempt == repeat:
            slowest = sorted(zip(timer.seconds, timer.sql, strict=True), reverse=True)[:2]
    first, rest = samples[0], samples[1:]
    return {
        "path": path,
        "first_db_ms": first[0],
        "first_server_ms": first_server,
        "first_queries": first[2],
        "db_ms": statistics.median(s[0] for s in rest),
        "db_max_ms": max(s[0] for s in rest),
        "wall_ms": statistics.median(s[1] for s in rest),
        "queries": rest[-1][2],
        "server_ms": statistics.median(servers),
        "slowest": [(round(s * 1000, 1), sql[:160]) for s, sql in slowest],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=100_000)
    parser.add_argument("--db-name", default="cqr_bench_catalog")
    parser.add_argument(
        "--server-url",
        default=os.environ.get("DATABASE_URL", "postgresql://app:app@127.0.0.1:5432/app"),
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--drop", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--note", default="", help="a sentence for the results file")
    options = parser.parse_args()
    if not options.server_url.startswith("postgres"):
        sys.exit("--server-url must be a PostgreSQL URL")

    database = db_url(options.server_url, options.db_name)
    ensure_database(options.server_url, options.db_name, options.drop)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_"))}
    env.update(
        {
            "DATABASE_URL": database,
            "DJANGO_DEBUG": "true",
            "DJANGO_ALLOWED_HOSTS": "testserver,localhost",
        }
    )
    manage(env, "migrate", "--noinput", "-v0")
    django_in_process(env)
    from django.db import connection
    from django.test import Client

    from catalog.models import Course, CreditDistribution, Subcategory

    import_seconds = None
    if Course.objects.count() < options.courses:
        from import_50k import generate

        with tempfile.TemporaryDirectory(prefix="cqr-bench-") as workdir:
            path = Path(workdir) / "catalog.json"
            path.write_text(json.dumps(generate(options.courses)), encoding="utf-8")
            began = time.perf_counter()
            print(manage(env, "import_catalog", str(path)), flush=True)
            import_seconds = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    courses = Course.objects.count()
    rows = CreditDistribution.objects.count()
    subcategory = (
        Subcategory.objects.filter(outline__is_current=True, outline__discipline__code="CT")
        .order_by("position")
        .values_list("id", flat=True)
        .first()
    )
    pages = [
        ("home page", "/"),
        ("catalog, first page", "/catalog/"),
        ("discipline CT", "/catalog/?discipline=CT"),
        ("subcategory (CT, first)", f"/catalog/?subcategory={subcategory}"),
        ("format webinar, price sort", "/catalog/?format=webinar&sort=price"),
        ("provider prov07", "/catalog/?provider=prov07"),
        ("discipline MR + price, dearest", "/catalog/?discipline=MR&sort=-price"),
        ("page 1000 (deep)", "/catalog/?page=1000"),
    ]
    client = Client()
    results = [(label, measure(client, path, options.repeat)) for label, path in pages]

    worst = max(max(r["server_ms"], r["first_server_ms"]) for _, r in results)
    lines = [
        f"# Catalog and home pages at {courses:,} courses (PostgreSQL)",
        "",
        f"`bench/catalog_100k.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"{courses:,} courses, {rows:,} distribution rows (import_50k's generator). Each page "
        f"rendered through Django's test client {options.repeat} times after one warm-up; "
        "database time is measured twice: at the server (planning + execution time that "
        "EXPLAIN ANALYZE reports for each statement of the render) and at the client (the "
        "wall time of each statement, round trips and CPU waits included). The first render "
        "has an empty cache (the filter's course count and the home page counts are cached "
        "until the catalog changes).",
        "",
        "| page | queries | DB server ms (median) | DB ms at client (median) | "
        "DB ms at client (max) | page ms (median) | first render (empty cache): queries / "
        "DB server ms / DB ms at client |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, r in results:
        lines.append(
            f"| {label} `{r['path']}` | {r['queries']} | {r['server_ms']:.1f} | {r['db_ms']:.1f} | "
            f"{r['db_max_ms']:.1f} | {r['wall_ms']:.0f} | "
            f"{r['first_queries']} / {r['first_server_ms']:.1f} / {r['first_db_ms']:.1f} |"
        )
    lines += [
        "",
        f"Goal: under {GOAL_MS:.0f} ms of database time per page at 100k courses: "
        f"{'met' if worst < GOAL_MS else 'NOT met'} at the server, cached or not (worst "
        f"{worst:.1f} ms).",
        "",
        "Slowest statements of the last render of each page:",
        "",
    ]
    for label, r in results:
        for ms, sql in r["slowest"]:
            lines.append(f"- {label}: {ms} ms `{sql}`")
    lines += [
        "",
        f"Machine: Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end."
        + (f" Import of the catalog: {import_seconds:.0f} s." if import_seconds else "")
        + (f" {options.note}" if options.note else ""),
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
