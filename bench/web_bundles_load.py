"""Benchmark: the bundles page under 50 concurrent clients (gunicorn + PostgreSQL).

Usage: .venv/bin/python bench/web_bundles_load.py [--clients 50] [--duration 15]
       [--workers N] [--threads T] [--server-url postgresql://app:app@127.0.0.1:5432/app]
       [--keep-db]

Creates a temporary PostgreSQL database next to the app database (same server, role
needs CREATEDB), migrates it, loads the demo catalog (`seed_demo`), saves a CT
prescription for a benchmark technologist (its bundles computed, alternatives included)
and logs them in. Then it starts gunicorn with production settings (DEBUG off, static
files collected, persistent DB connections) and drives GET /prescriptions/<id>/ with
`wrk` (when installed; a thread-per-client Python generator otherwise) for `--duration`
seconds: every client sends its next request as soon as the previous one is answered.
Reports p50/p95/p99 latency, requests per second and errors (non-2xx or socket errors)
to bench/results/web_bundles_load.md. Goal: p95 <= 150 ms with 0 errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
sys.path.insert(0, str(ROOT / "bench"))
from bench_setup import db_url, drop_database, free_port, manage, recreate_database  # noqa: E402

RESULTS = ROOT / "bench" / "results"

SETUP_SCRIPT = r"""
import json, sys
sys.path.insert(0, "bench")
from bench_seed import ct_prescription
prescription, run, session = ct_prescription(username="bench", title="Bench CT")
print(json.dumps({
    "prescription": prescription.pk,
    "session": session,
    "run_status": run.status,
    "bundles": run.bundles.count(),
    "courses": sum(b.items.count() for b in run.bundles.all()),
}))
"""

WRK_SCRIPT = r"""
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "errors": %d, "status_errors": %d, '
    .. '"p50": %.3f, "p95": %.3f, "p99": %.3f, "max": %.3f, "mean": %.3f}\n',
    summary.requests, summary.duration / 1e6, errors, summary.errors.status,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, latency.mean / 1e3))
end
"""


def wait_for(port: int, path: str, cookie: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return
            raise RuntimeError(f"GET {path} answered {response.status}")
        except (ConnectionError, OSError):
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def run_wrk(port: int, path: str, cookie: str, clients: int, duration: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        done = subprocess.run(
            [
                "wrk",
                f"-c{clients}",
                f"-t{min(clients, 2)}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "-H",
                f"Cookie: {cookie}",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(script.name)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["generator"] = "wrk"
    return result


def run_threads(port: int, path: str, cookie: str, clients: int, duration: int) -> dict[str, Any]:
    """One keep-alive connection per client thread, requests back to back."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop:
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine.append((time.perf_counter() - began) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    began = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "generator": "python threads",
        "requests": len(latencies),
        "seconds": seconds,
        "errors": errors[0],
        "status_errors": errors[0],
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "max": max(latencies),
        "mean": statistics.fmean(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=int, default=15)
    # gthread workers keep connections alive; on 2 CPUs 3 x 4 beat 5 sync workers 2:1.
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument(
        "--server-url",
        default=os.environ.get("DATABASE_URL", "postgresql://app:app@127.0.0.1:5432/app"),
        help="any database URL on the PostgreSQL server; a temp database is created next to it",
    )
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    if not args.server_url.startswith("postgres"):
        sys.exit("--server-url must be a PostgreSQL URL")

    name = f"cqr_bench_web_{os.getpid()}"
    database = db_url(args.server_url, name)
    recreate_database(args.server_url, name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_"))}
    # One secret key for setup and server: the session made at setup must stay valid.
    env.update(
        {
            "DATABASE_URL": database,
            "DJANGO_DEBUG": "true",
            "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        }
    )
    server: subprocess.Popen[bytes] | None = None
    try:
        began = time.perf_counter()
        manage(env, "migrate", "--noinput", "-v0")
        print(f"migrated in {time.perf_counter() - began:.1f} s", flush=True)
        manage(env, "seed_demo")
        print(f"seeded after {time.perf_counter() - began:.1f} s", flush=True)
        info = json.loads(manage(env, "shell", "-c", SETUP_SCRIPT).splitlines()[-1])
        setup_seconds = time.perf_counter() - began
        if info["run_status"] != "done":
            raise RuntimeError(f"the bench prescription's run is {info['run_status']}")

        prod = {
            **env,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            # Production needs a shared cache (throttle counts); the local Redis.
            "CACHE_URL": os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/15"),
            "DATABASE_CONN_MAX_AGE": "60",
        }
        manage(prod, "collectstatic", "--noinput", "-v0")
        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "cqr_portal.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--log-level",
                "warning",
            ],
            env=prod,
            cwd=ROOT,
        )
        path = f"/prescriptions/{info['prescription']}/"
        cookie = f"sessionid={info['session']}"
        wait_for(port, path, cookie)
        use_wrk = args.generator == "wrk" or (args.generator == "auto" and shutil.which("wrk"))
        load = run_wrk if use_wrk else run_threads
        load(port, path, cookie, min(args.clients, 10), 3)  # warm every worker
        result = load(port, path, cookie, args.clients, args.duration)
        light = load(port, path, cookie, 5, 5)  # service time without queueing
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        if not args.keep_db:
            drop_database(args.server_url, name)

    rps = result["requests"] / result["seconds"]
    goal = result["p95"] <= 150 and result["errors"] == 0
    lines = [
        "# Bundles page under load",
        "",
        f"`bench/web_bundles_load.py`: {args.clients} concurrent clients for "
        f"{args.duration} s on GET /prescriptions/<id>/ (the bundles page of a CT prescription "
        f"with {info['bundles']} bundles, {info['courses']} course rows, demo catalog), "
        f"gunicorn {args.workers} workers × {args.threads} thread(s), PostgreSQL, "
        f"DEBUG off. Load generator: {result['generator']} on the same machine.",
        "",
        "| clients | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | goal |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {args.clients} | {result['requests']} | {rps:.0f} | {result['p50']:.1f} | "
        f"{result['p95']:.1f} | {result['p99']:.1f} | {result['max']:.1f} | {result['errors']} | "
        f"{'met' if goal else 'NOT met'} (p95 <= 150 ms, 0 errors) |",
        f"| 5 | {light['requests']} | {light['requests'] / light['seconds']:.0f} | "
        f"{light['p50']:.1f} | {light['p95']:.1f} | {light['p99']:.1f} | {light['max']:.1f} | "
        f"{light['errors']} | (service time, 5 s) |",
        "",
        f"Setup (migrate, seed_demo, prescription + run): {setup_seconds:.1f} s. "
        f"Machine: Python {platform.python_version()}, {os.cpu_count()} CPUs shared with the "
        f"load generator and PostgreSQL, load average {os.getloadavg()[0]:.1f} at the end, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "web_bundles_load.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
