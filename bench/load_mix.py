"""Benchmark: N clients for 60 s on the portal's mix (home, filtered catalog, bundles
page, bundles API) against gunicorn as docker-compose runs it, at 100,000 courses.

Usage: .venv/bin/python bench/load_mix.py [--clients 200] [--duration 60]
       [--db-name cqr_bench_catalog] [--courses 100000]
       [--server-url postgresql://app:app@127.0.0.1:5432/app] [--note TEXT]

Uses the PostgreSQL database `--db-name` (bench/catalog_100k.py builds it; this script
imports the same generated catalog when it holds fewer than `--courses` courses), adds a
benchmark technologist with a CT prescription whose bundles are computed, and starts
gunicorn with `cqr_portal/gunicorn_conf.py` (3 gthread workers x 4 threads unless
GUNICORN_WORKERS/GUNICORN_THREADS say otherwise), DEBUG off, persistent connections.
`wrk` (Debian package) then keeps `--clients` connections busy for `--duration` seconds,
each sending its next request as soon as the previous one is answered, cycling through
GET /, /catalog/?discipline=CT&sort=price, /prescriptions/<id>/ and
/api/v1/runs/<id>/bundles/ (signed in with the technologist's session). Reports
requests/s, p50/p95/p99 latency and errors (socket errors and non-2xx/3xx) to
bench/results/load_mix.md. Goal: 0 errors and p95 <= 1 s with 200 clients.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
PYTHON = sys.executable
RESULTS = ROOT / "bench" / "results" / "load_mix.md"

from bench_setup import (  # noqa: E402
    bench_env,
    db_url,
    free_port,
    manage,
    sections_after_top,
    start_cache_redis,
    start_gunicorn,
    write_generated_catalog,
)

SETUP_SCRIPT = r"""
import json, sys
sys.path.insert(0, "bench")
from bench_seed import ct_prescription
prescription, run, session = ct_prescription(username="load-bench", title="Load bench CT")
print(json.dumps({
    "prescription": prescription.pk,
    "run": run.pk,
    "session": session,
    "run_status": run.status,
    "run_error": run.error,
    "bundles": run.bundles.count(),
}))
"""

WRK_SCRIPT = r"""
local paths = {PATHS}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "errors": %d, "status_errors": %d, '
    .. '"timeouts": %d, "p50": %.3f, "p95": %.3f, "p99": %.3f, "max": %.3f, '
    .. '"mean": %.3f}\n',
    summary.requests, summary.duration / 1e6, errors, summary.errors.status,
    summary.errors.timeout, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, latency.mean / 1e3))
end
"""


def mix_paths(info: dict[str, Any]) -> list[str]:
    """The mix's four paths, for the bench prescription and run of SETUP_SCRIPT."""
    return [
        "/",
        "/catalog/?discipline=CT&sort=price",
        f"/prescriptions/{info['prescription']}/",
        f"/api/v1/runs/{info['run']}/bundles/",
    ]


def ensure_database(server_url: str, name: str) -> None:
    """Create the database unless it exists (bench/catalog_100k.py builds the same one)."""
    import psycopg2

    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def course_count(database: str) -> int:
    import psycopg2

    conn = psycopg2.connect(database)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM catalog_course")
            return int(cursor.fetchone()[0])
    finally:
        conn.close()


def server_pids(gunicorn_pid: int, database: str) -> tuple[list[int], list[int]]:
    """gunicorn's master and workers, and the PostgreSQL backends of `database`."""
    import psycopg2

    children = Path(f"/proc/{gunicorn_pid}/task/{gunicorn_pid}/children")
    try:
        workers = [int(p) for p in children.read_text().split()]
    except OSError:
        workers = []
    conn = psycopg2.connect(database)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
            return [gunicorn_pid, *workers], [int(row[0]) for row in cursor.fetchall()]
    finally:
        conn.close()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process (/proc/PID/stat), None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuSampler(threading.Thread):
    """CPU spent by gunicorn's workers and the database's PostgreSQL backends while the
    run lasts. Workers are replaced (max_requests) and backends closed (conn_max_age)
    during a run, so the process lists are sampled every `every` seconds and each
    process counts from its CPU at the start (0 for one born later) to the last value
    seen: at most `every` seconds of a vanished process's work are missed."""

    def __init__(self, gunicorn_pid: int, database: str, every: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.gunicorn_pid, self.database, self.every = gunicorn_pid, database, every
        self.start_cpu: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.done = threading.Event()
        for group, pids in zip(("web", "db"), server_pids(gunicorn_pid, database), strict=True):
            for pid in pids:
                cpu = cpu_seconds(pid)
                if cpu is not None:
                    self.start_cpu[pid] = cpu
                    self.last[pid] = (group, cpu)

    def sample(self) -> None:
        for group, pids in zip(
            ("web", "db"), server_pids(self.gunicorn_pid, self.database), strict=True
        ):
            for pid in pids:
                cpu = cpu_seconds(pid)
                if cpu is not None:
                    self.last[pid] = (group, cpu)

    def run(self) -> None:
        while not self.done.wait(self.every):
            self.sample()

    def stop(self) -> dict[str, float]:
        self.done.set()
        self.join()
        self.sample()
        spent = {"web": 0.0, "db": 0.0}
        for pid, (group, cpu) in self.last.items():
            spent[group] += cpu - self.start_cpu.get(pid, 0.0)
        return spent


def wait_for(port: int, paths: list[str], cookie: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    pending = list(paths)
    while pending and time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", pending[0], headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"GET {pending[0]} answered {response.status}")
            pending.pop(0)
        except (ConnectionError, OSError):
            time.sleep(0.3)
    if pending:
        raise RuntimeError("gunicorn did not answer")


def run_wrk(
    port: int, paths: list[str], cookie: str, clients: int, duration: int
) -> dict[str, Any]:
    script_text = WRK_SCRIPT.replace("{PATHS}", "{" + ", ".join(json.dumps(p) for p in paths) + "}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(script_text)
    try:
        done = subprocess.run(
            [
                *("wrk", f"-c{clients}", "-t2", f"-d{duration}s", "--timeout", "10s"),
                *("-H", f"Cookie: {cookie}", "-s", script.name, f"http://127.0.0.1:{port}/"),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(script.name)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--db-name", default="cqr_bench_catalog")
    parser.add_argument("--courses", type=int, default=100_000)
    parser.add_argument(
        "--server-url",
        default=os.environ.get("DATABASE_URL", "postgresql://app:app@127.0.0.1:5432/app"),
    )
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")

    ensure_database(args.server_url, args.db_name)
    database = db_url(args.server_url, args.db_name)
    # One secret key for setup and server: the session made at setup must stay valid.
    # Every simulated client signs in as the same technologist: the per-user API throttle
    # (1200/minute) would answer 429 to a crowd sharing one account.
    env = bench_env(
        database,
        DJANGO_SECRET_KEY="load-bench-only-secret-key-" + "x" * 40,
        CQR_API_THROTTLE_USER="1000000/minute",
    )
    manage(env, "migrate", "--noinput", "-v0")
    if course_count(database) < args.courses:
        with tempfile.TemporaryDirectory(prefix="cqr-bench-") as workdir:
            path = Path(workdir) / "catalog.json"
            write_generated_catalog(path, args.courses)
            manage(env, "import_catalog", str(path))
    info = json.loads(manage(env, "shell", "-c", SETUP_SCRIPT).splitlines()[-1])
    if info["run_status"] != "done":
        raise RuntimeError(f"the bench prescription's run is {info['run_status']}: {info}")
    courses = course_count(database)

    # The shared cache gunicorn's workers use in production (docker-compose: Redis db 1):
    # a private redis-server on another port, never the machine's shared one.
    cache_port = free_port()
    cache_server = start_cache_redis(cache_port)
    port = free_port()
    server = start_gunicorn(env, port, f"redis://127.0.0.1:{cache_port}/1")
    paths = mix_paths(info)
    cookie = f"sessionid={info['session']}"
    try:
        wait_for(port, paths, cookie)
        run_wrk(port, paths, cookie, 10, 5)  # warm every worker
        load_before = os.getloadavg()
        sampler = CpuSampler(server.pid, database)
        sampler.start()
        result = run_wrk(port, paths, cookie, args.clients, args.duration)
        spent = sampler.stop()
        load_after = os.getloadavg()
        light = run_wrk(port, paths, cookie, 4, 10)  # service time without queueing
    finally:
        server.terminate()
        server.wait(timeout=30)
        cache_server.terminate()
        cache_server.wait(timeout=30)
    web_cpu, db_cpu = spent["web"], spent["db"]

    workers = os.environ.get("GUNICORN_WORKERS", "3")
    threads = os.environ.get("GUNICORN_THREADS", "4")
    rps = result["requests"] / result["seconds"]
    goal = result["p95"] <= 1000 and result["errors"] == 0
    lines = [
        "# Load: the portal's mix under concurrent clients",
        "",
        f"`bench/load_mix.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"{args.clients} clients for {args.duration} s, each sending its next request as soon "
        "as the previous one is answered, cycling through the home page, the catalog "
        "filtered by discipline and sorted by price, a CT prescription's bundles page and "
        f"the bundles API ({info['bundles']} bundles), at {courses:,} courses in PostgreSQL. "
        f"gunicorn {workers} gthread workers x {threads} threads "
        "(`cqr_portal/gunicorn_conf.py`), DEBUG off, persistent database connections, "
        "a private Redis as the shared cache (as docker-compose). All clients share one "
        "signed-in account, so its API throttle was raised for the run. Load generator: "
        "wrk (2 threads) on the same machine.",
        "",
        "| clients | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | goal |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {args.clients} | {result['requests']} | {rps:.0f} | {result['p50']:.0f} | "
        f"{result['p95']:.0f} | {result['p99']:.0f} | {result['max']:.0f} | "
        f"{result['errors']} ({result['status_errors']} non-2xx/3xx, {result['timeouts']} "
        f"timeouts) | {'met' if goal else 'NOT met'} (p95 <= 1 s, 0 errors) |",
        f"| 4 | {light['requests']} | {light['requests'] / light['seconds']:.0f} | "
        f"{light['p50']:.0f} | {light['p95']:.0f} | {light['p99']:.0f} | {light['max']:.0f} | "
        f"{light['errors']} | (service time, 10 s) |",
        "",
        f"Server CPU during the {args.clients}-client run: gunicorn (master and workers) "
        f"{web_cpu:.1f} s, PostgreSQL backends {db_cpu:.1f} s, i.e. "
        f"{web_cpu / result['requests'] * 1000:.2f} + {db_cpu / result['requests'] * 1000:.2f}"
        " ms per request (/proc, sampled every second). "
        f"Two cores give 2,000 ms of CPU a second: at this cost the server alone could "
        f"answer about {2000 / max((web_cpu + db_cpu) / result['requests'] * 1000, 0.01):.0f}"
        " requests/s with nothing else running.",
        "",
        f"Machine: Python {platform.python_version()}, {os.cpu_count()} CPUs shared by "
        "gunicorn, PostgreSQL and the load generator; load average (1, 5, 15 min) "
        f"{', '.join(f'{x:.1f}' for x in load_before)} before the {args.clients}-client run "
        f"and {', '.join(f'{x:.1f}' for x in load_after)} after it (above 2, other "
        "processes were competing for the two cores)." + (f" {args.note}" if args.note else ""),
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    kept = sections_after_top(RESULTS)  # hand-written `## ` sections (before/after notes)
    RESULTS.write_text("\n".join(lines) + ("\n" + kept if kept else ""))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
