"""Benchmark: CPU per request of each request type of bench/load_mix.py's mix, one client.

Usage: .venv/bin/python bench/profile_mix.py [--db-name cqr_bench_catalog]
       [--requests 200] [--profile] [--cache-url redis://127.0.0.1:6379/0]

Runs in this process, through Django's test client, with the settings gunicorn gets in
bench/load_mix.py (DEBUG off, Redis cache, persistent database connection) against the
database load_mix uses (it must have been set up by bench/load_mix.py or
bench/catalog_100k.py). For each of the four paths of the mix (home, the catalog
filtered by discipline and sorted by price, a CT prescription's bundles page, the bundles
API) it sends `--requests` requests after a warm-up and reports the median and mean of
this process's CPU time (time.process_time: Django, templates, the database driver's
client side), the wall time, and the time spent in SQL statements. `--profile` also
prints the top functions by cumulative time (cProfile) of each path. Prints a Markdown
table; nothing is written to bench/results.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_setup import QueryTimer, bench_env, db_url, django_in_process, manage  # noqa: E402
from load_mix import SETUP_SCRIPT, mix_paths  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-name", default="cqr_bench_catalog")
    parser.add_argument(
        "--server-url",
        default=os.environ.get("DATABASE_URL", "postgresql://app:app@127.0.0.1:5432/app"),
    )
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--queries", action="store_true", help="print each path's SQL")
    options = parser.parse_args()

    env = bench_env(
        db_url(options.server_url, options.db_name),
        DJANGO_SECRET_KEY="load-bench-only-secret-key-" + "x" * 40,
    )
    info = json.loads(manage(env, "shell", "-c", SETUP_SCRIPT).splitlines()[-1])
    env.update(
        {
            "CACHE_URL": options.cache_url,
            "CQR_API_THROTTLE_USER": "1000000/minute",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "DATABASE_CONN_MAX_AGE": "60",
        }
    )
    manage(env, "collectstatic", "--noinput", "-v0")
    django_in_process(env)
    from django.db import connection
    from django.test import Client

    client = Client()
    client.cookies["sessionid"] = info["session"]
    rows = []
    for path in mix_paths(info):
        for _ in range(10):
            response = client.get(path)
            if response.status_code != 200:
                sys.exit(f"GET {path} answered {response.status_code}")
        cpu: list[float] = []
        wall: list[float] = []
        timer = QueryTimer()
        with connection.execute_wrapper(timer):
            for _ in range(options.requests):
                last = len(timer.seconds)  # where the last request's statements begin
                began_cpu, began = time.process_time(), time.perf_counter()
                client.get(path)
                cpu.append(time.process_time() - began_cpu)
                wall.append(time.perf_counter() - began)
        rows.append(
            f"| `{path}` | {statistics.median(cpu) * 1000:.1f} | "
            f"{statistics.fmean(cpu) * 1000:.1f} | {statistics.median(wall) * 1000:.1f} | "
            f"{len(timer.seconds) / options.requests:.1f} | "
            f"{sum(timer.seconds) / options.requests * 1000:.1f} |"
        )
        if options.queries:
            print(f"## {path}")
            for spent, sql in zip(timer.seconds[last:], timer.sql[last:], strict=True):
                print(f"- {spent * 1000:.2f} ms {sql[:300]}")
        if options.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(50):
                client.get(path)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
            stats.print_stats(r"^(?!.*site-packages)", 25)
            stats.print_stats(r"(sessions|auth|middleware|template/(base|loader)|serializ)", 25)
            print(f"## {path}\n{out.getvalue()}")
    print("| path | CPU ms median | CPU ms mean | wall ms median | queries | SQL ms |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
