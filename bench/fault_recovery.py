"""Fault benchmark: every run done exactly once after its worker or the broker fails.

Usage: .venv/bin/python bench/fault_recovery.py [--runs 4] [--courses 20000]
       [--db-name cqr_bench_fault] [--redis-port 6391] [--solver-limit 10]
       [--server-url postgresql://app:app@127.0.0.1:5432/app] [--note TEXT]

Builds its own world and never touches a shared one: a PostgreSQL database `--db-name`
(created next to the server URL's database, migrated, a generated catalog of `--courses`
courses imported) and a private `redis-server` on `--redis-port` with an append-only file
in a temporary folder (the docker-compose setting). It starts a Celery worker with beat
(prefork, concurrency 2, the project's settings: acks late, redelivery on a lost worker,
the claim with task id and lease, the 30 s lost-run sweep) and runs four scenarios, each
on `--runs` fresh CT prescriptions saved through `prescription_create`:

1. child killed: `kill -9` of the pool child running a run, as soon as it is claimed;
2. worker killed: `kill -9` of the whole worker (main process and children) while runs
   are claimed, then a new worker started 5 s later;
3. Redis stopped: Redis shut down while runs are queued or running, more prescriptions
   saved while it is down (their publish fails: saved, queued, unsent), Redis started
   again 20 s later from its append-only file;
4. Redis restarted with a queue: the worker stopped, runs published, Redis restarted (the
   queue must survive in the AOF), then the worker started.

For each it records when every run was done, the attempts each took, whether each
prescription has exactly one done run whose bundles match its stored document, and that
nothing is left queued or running. The check: every run done exactly once within two
minutes of the worker or Redis coming back. Writes bench/results/fault_recovery.md,
keeping the `## ` sections other benches add (bench/import_killed.py's import killed
mid-import).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from bench_setup import db_url, manage, recreate_database, sections_after_top  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "fault_recovery.md"
DEADLINE_SECONDS = 120.0
REQUIRED = [
    {"category": "Image Formation", "credits": "3.0"},
    {"category": "Radiation Safety and Dose", "credits": "1.5"},
    {"category": "Abdomen and Pelvis", "credits": "2.0"},
]


class Redis:
    """A private redis-server with an append-only file (as in docker-compose)."""

    def __init__(self, port: int, folder: Path) -> None:
        self.port, self.folder = port, folder
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            sys.exit("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                *(binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")),
                *("--appendonly", "yes", "--appendfsync", "everysec", "--save", ""),
            ]
        )
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.1)
        sys.exit(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): Redis writes its append-only file and exits."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


class Worker:
    """The Celery worker, supervised like docker-compose's `restart: unless-stopped`: if it
    exits on its own (not stopped or killed by the bench) it is started again and the
    crash counted."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env, self.folder = env, folder
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.crashes: list[str] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._supervise, daemon=True).start()

    def _supervise(self) -> None:
        while True:
            time.sleep(0.5)
            with self.lock:
                if self.process is not None and self.process.poll() is not None:
                    log = (self.folder / f"worker-{self.starts}.log").read_text(errors="replace")
                    fatal = [line for line in log.splitlines() if "Unrecoverable error" in line]
                    self.crashes.append(fatal[-1].split("] ", 1)[-1] if fatal else "exited")
                    self._spawn()

    def start(self) -> None:
        with self.lock:
            self._spawn()

    def _spawn(self) -> None:
        self.starts += 1
        log = open(self.folder / f"worker-{self.starts}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                *(str(Path(sys.executable).parent / "celery"), "-A", "cqr_portal", "worker"),
                *("--beat", "--schedule", str(self.folder / "beat-schedule")),
                *("--pool", "prefork", "--concurrency", "2", "-l", "info"),
                *("-n", f"fault{self.starts}@%h"),
            ],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed as one
        )

    def kill_all(self) -> None:
        """kill -9 of the worker's main process and every child (beat, pool)."""
        with self.lock:
            if self.process is not None:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
                self.process = None

    def stop(self) -> None:
        with self.lock:
            self._stop()

    def _stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
            self.process = None


def child_running(app: Any, run_id: int) -> int | None:
    """The pool child's pid running compute_bundles(run_id), from `inspect active`."""
    active = app.control.inspect(timeout=1.0).active() or {}
    for tasks in active.values():
        for task in tasks:
            if task.get("args") in ([run_id], (run_id,), f"({run_id},)", f"[{run_id}]"):
                return int(task["worker_pid"])
    return None


def make_prescriptions(count: int, label: str) -> list[int]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from plans import services
    from prescriptions.documents import prescription_spec_from_document

    user, _ = get_user_model().objects.get_or_create(username="fault-bench")
    today = timezone.localdate()
    ids = []
    for i in range(count):
        spec = prescription_spec_from_document(
            {
                "format": "cqr-prescription/1",
                "discipline": "CT",
                "issued_on": (today - timedelta(days=30)).isoformat(),
                "deadline": (today + timedelta(days=500 + i)).isoformat(),
                "required": REQUIRED,
                "hours_per_week": "3",
            }
        )
        ids.append(
            services.prescription_create(
                owner=user, spec=spec, title=f"{label} {i}", floating_as_of=True
            ).pk
        )
    return ids


def run_ids(prescription_ids: list[int]) -> list[int]:
    from matching.models import MatchingRun

    return list(
        MatchingRun.objects.filter(prescription_id__in=prescription_ids)
        .order_by("id")
        .values_list("id", flat=True)
    )


def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return False


def all_done(prescription_ids: list[int]) -> bool:
    from matching.models import MatchingRun

    runs = MatchingRun.objects.filter(prescription_id__in=prescription_ids)
    return not runs.filter(status__in=["queued", "running"]).exists()


def verdict(prescription_ids: list[int]) -> dict[str, Any]:
    """Exactly once: one done run per prescription, nothing unfinished, its bundles the
    ones its stored document lists (one set, ranks 1..n), attempts per run."""
    from matching.models import Bundle, MatchingRun

    runs = list(MatchingRun.objects.filter(prescription_id__in=prescription_ids).order_by("id"))
    done = [r for r in runs if r.status == "done"]
    per_prescription = {
        pid: [r for r in done if r.prescription_id == pid] for pid in prescription_ids
    }
    consistent = all(
        sorted(Bundle.objects.filter(run=r).values_list("rank", flat=True))
        == list(range(1, len(r.result.get("bundles", [])) + 1))
        for r in done
    )
    return {
        "runs": len(runs),
        "done": len(done),
        "failed": sum(r.status == "failed" for r in runs),
        "unfinished": sum(r.status in ("queued", "running") for r in runs),
        "one_done_each": all(len(v) == 1 for v in per_prescription.values()),
        "bundles_match": consistent,
        "attempts": [r.attempts for r in done],
        "errors": sorted({r.error[:80] for r in runs if r.status == "failed"}),
    }


def scenario_child_killed(app: Any, worker: Worker, runs: int) -> dict[str, Any]:
    from matching.models import MatchingRun

    prescriptions = make_prescriptions(runs, "child killed")
    killed: list[int] = []
    began = time.monotonic()
    for run_id in run_ids(prescriptions):
        claimed = MatchingRun.objects.filter(id=run_id, status="running")
        if not wait_until(claimed.exists, 60):
            continue
        pid = child_running(app, run_id)
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue  # the child exited meanwhile
            killed.append(run_id)
    recovered_from = time.monotonic()
    ok = wait_until(lambda: all_done(prescriptions), 300, 0.2)
    end = time.monotonic()
    return {
        "faults": f"{len(killed)} pool children killed (kill -9), one per run as it was claimed",
        "fault_to_done": end - began,
        "back_to_done": end - recovered_from,
        "finished": ok,
        **verdict(prescriptions),
    }


def scenario_worker_killed(app: Any, worker: Worker, runs: int) -> dict[str, Any]:
    from matching.models import MatchingRun

    prescriptions = make_prescriptions(runs, "worker killed")
    ids = run_ids(prescriptions)
    # Mid-run: both pool children have claimed a run (concurrency 2, prefetch 1, so the
    # worker holds no other message).
    claimed = MatchingRun.objects.filter(id__in=ids, status="running")
    wait_until(lambda: claimed.count() >= min(2, len(ids)), 60)
    running = claimed.count()
    killed_at = time.monotonic()
    worker.kill_all()
    time.sleep(5)
    worker.start()
    back = time.monotonic()
    ok = wait_until(lambda: all_done(prescriptions), 300, 0.2)
    end = time.monotonic()
    return {
        "faults": f"whole worker killed (kill -9 of its process group) with {running} run(s) "
        "claimed; a new worker started 5 s later",
        "fault_to_done": end - killed_at,
        "back_to_done": end - back,
        "finished": ok,
        **verdict(prescriptions),
    }


def scenario_redis_stopped(app: Any, worker: Worker, redis: Redis, runs: int) -> dict[str, Any]:
    from matching.models import MatchingRun
    from matching.services.runs import SAVED_NOT_SENT

    before = make_prescriptions(runs // 2 or 1, "redis stopped (before)")
    ids = run_ids(before)
    wait_until(lambda: MatchingRun.objects.filter(id__in=ids, status="running").exists(), 60)
    stopped_at = time.monotonic()
    redis.stop()
    saving = time.monotonic()
    during = make_prescriptions(runs - len(before), "redis stopped (during)")
    save_seconds = time.monotonic() - saving
    unsent = MatchingRun.objects.filter(
        prescription_id__in=during, sent_at__isnull=True, progress_message=SAVED_NOT_SENT
    ).count()
    time.sleep(max(0.0, 20 - (time.monotonic() - stopped_at)))
    redis.start()
    back = time.monotonic()
    everything = before + during
    ok = wait_until(lambda: all_done(everything), 300, 0.2)
    end = time.monotonic()
    return {
        "faults": f"Redis shut down for 20 s with {len(before)} run(s) queued or running; "
        f"{len(during)} prescription(s) saved meanwhile in {save_seconds:.1f} s, "
        f"{unsent} of them marked saved-not-sent",
        "fault_to_done": end - stopped_at,
        "back_to_done": end - back,
        "finished": ok,
        **verdict(everything),
    }


def scenario_redis_restart_with_queue(
    app: Any, worker: Worker, redis: Redis, runs: int
) -> dict[str, Any]:
    from matching.models import MatchingRun

    worker.stop()
    prescriptions = make_prescriptions(runs, "queue across a Redis restart")
    ids = run_ids(prescriptions)
    sent = MatchingRun.objects.filter(id__in=ids, sent_at__isnull=False).count()
    import redis as redis_lib

    queued = redis_lib.Redis(port=redis.port).llen("celery")
    time.sleep(1.5)  # appendfsync everysec
    restarted_at = time.monotonic()
    redis.stop()
    redis.start()
    kept = redis_lib.Redis(port=redis.port).llen("celery")
    worker.start()
    back = time.monotonic()
    ok = wait_until(lambda: all_done(prescriptions), 300, 0.2)
    end = time.monotonic()
    return {
        "faults": f"worker stopped, {sent} run(s) published ({queued} message(s) in the "
        f"queue), Redis restarted: {kept} message(s) in the queue after the restart; "
        "worker started",
        "fault_to_done": end - restarted_at,
        "back_to_done": end - back,
        "finished": ok,
        **verdict(prescriptions),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--courses", type=int, default=20_000)
    parser.add_argument("--db-name", default="cqr_bench_fault")
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--solver-limit", type=float, default=10.0)
    parser.add_argument(
        "--server-url",
        default=os.environ.get("DATABASE_URL", "postgresql://app:app@127.0.0.1:5432/app"),
    )
    parser.add_argument("--note", default="")
    options = parser.parse_args()
    if options.redis_port == 6379:
        sys.exit("use a private Redis port, never the shared 6379")

    folder = Path(tempfile.mkdtemp(prefix="cqr-fault-"))
    database = db_url(options.server_url, options.db_name)
    recreate_database(options.server_url, options.db_name)
    broker = f"redis://127.0.0.1:{options.redis_port}/0"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_"))}
    env.update(
        {
            "DATABASE_URL": database,
            "DJANGO_DEBUG": "true",
            "CELERY_BROKER_URL": broker,
            "CELERY_RESULT_BACKEND": broker,
            "CQR_SOLVER_TIME_LIMIT": str(options.solver_limit),
            "DJANGO_LOG_LEVEL": "ERROR",
        }
    )
    began = time.perf_counter()
    manage(env, "migrate", "--noinput", "-v0")
    from import_50k import generate

    catalog = folder / "catalog.json"
    catalog.write_text(json.dumps(generate(options.courses)), encoding="utf-8")
    manage(env, "import_catalog", str(catalog))
    setup_seconds = time.perf_counter() - began

    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cqr_portal.settings")
    import django

    django.setup()
    from django.conf import settings

    from cqr_portal.celery import app
    from matching.services.runs import run_lease

    redis = Redis(options.redis_port, folder)
    worker = Worker(env, folder)
    redis.start()
    worker.start()
    results: list[tuple[str, dict[str, Any]]] = []
    scenarios: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("pool child killed", lambda: scenario_child_killed(app, worker, options.runs)),
        ("whole worker killed", lambda: scenario_worker_killed(app, worker, options.runs)),
        ("Redis stopped", lambda: scenario_redis_stopped(app, worker, redis, options.runs)),
        (
            "Redis restarted with a queue",
            lambda: scenario_redis_restart_with_queue(app, worker, redis, options.runs),
        ),
    ]
    try:
        time.sleep(5)  # the worker connects
        for label, scenario in scenarios:
            crashes = len(worker.crashes)
            result = scenario()
            result["crashes"] = len(worker.crashes) - crashes
            results.append((label, result))
            print(label, json.dumps(result, default=str), flush=True)
    finally:
        worker.stop()
        redis.stop()

    def passed(r: dict[str, Any]) -> bool:
        return bool(
            r["finished"]
            and r["back_to_done"] <= DEADLINE_SECONDS
            and r["unfinished"] == 0
            and r["one_done_each"]
            and r["bundles_match"]
            and r["failed"] == 0
        )

    lines = [
        "# Fault recovery: every run done exactly once",
        "",
        f"`bench/fault_recovery.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"PostgreSQL database `{options.db_name}` with {options.courses:,} generated courses, "
        f"a private redis-server on port {options.redis_port} (append-only file, fsync every "
        "second), one Celery worker with beat (prefork, concurrency 2). Solver limit "
        f"{options.solver_limit:g} s, so a claimed run's lease is "
        f"{run_lease().total_seconds():.0f} s; task time limits "
        f"{settings.CQR_RUN_SOFT_TIME_LIMIT}/{settings.CQR_RUN_TIME_LIMIT} s; broker "
        f"visibility timeout {settings.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout']} s; "
        "lost-run sweep every 30 s. Each scenario saves its own prescriptions "
        f"({options.runs} each, CT, three requirements).",
        "",
        "| scenario | what happened | runs | done / failed / unfinished | attempts per run | "
        "one done run per prescription, bundles = document | fault → all done | "
        "back → all done | worker crashes (restarted) | check |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in results:
        lines.append(
            f"| {label} | {r['faults']} | {r['runs']} | {r['done']} / {r['failed']} / "
            f"{r['unfinished']} | {', '.join(map(str, r['attempts']))} | "
            f"{'yes' if r['one_done_each'] and r['bundles_match'] else 'NO'} | "
            f"{r['fault_to_done']:.1f} s | {r['back_to_done']:.1f} s | {r['crashes']} | "
            f"{'met' if passed(r) else 'NOT met'} |"
        )
    lines += [
        "",
        "Check: every run done exactly once (one done run per prescription, its bundles the "
        f"ones its document lists, nothing queued or running) within {DEADLINE_SECONDS:.0f} s "
        'of the worker or Redis coming back ("back → all done"; for the child kill, from the '
        f"last kill). Overall: {'met' if all(passed(r) for _, r in results) else 'NOT met'}.",
        "",
    ]
    for label, r in results:
        if r["errors"]:
            lines.append(f"- {label}, failed runs: {'; '.join(r['errors'])}")
    if worker.crashes:
        lines += [
            f"- The worker exited by itself {len(worker.crashes)} time(s) and was started "
            "again by the bench's supervisor (docker-compose: `restart: unless-stopped`): "
            + "; ".join(sorted(set(worker.crashes))),
            "",
        ]
    lines += [
        f"Setup (database, migrate, catalog import): {setup_seconds:.0f} s. Machine: Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end."
        + (f" {options.note}" if options.note else ""),
        "",
        f"Logs (worker, Redis) were in {folder}.",
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    kept = sections_after_top(RESULTS)  # e.g. bench/import_killed.py's section
    RESULTS.write_text("\n".join(lines) + ("\n" + kept if kept else ""))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
