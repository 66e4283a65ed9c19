"""Fault benchmark, import killed: `kill -9` of `manage.py import_catalog` mid-import
leaves exactly the previous catalog, releases the import lock and marks no run stale.

Usage: .venv/bin/python bench/import_killed.py [--courses 30000] [--added 2000]
       [--db-name cqr_bench_import_killed] [--delays 0,1,3] [--solver-limit 5]
       [--server-url postgresql://app:app@127.0.0.1:5432/app] [--note TEXT]

Builds its own PostgreSQL database `--db-name` next to the server URL's (migrated, the
generated catalog of bench/import_50k.py with `--courses` courses imported) and two CT
prescriptions with done runs (Celery eager: no broker). Then it writes a changed catalog
(every course's title and price changed, `--added` new courses) and, for each delay in
`--delays`, starts `manage.py import_catalog` on it, waits until its database session has
begun writing (it holds a transaction id) plus that many seconds, and kills the process
with SIGKILL. After each kill it records how long PostgreSQL took to end the orphaned
session, and compares the catalog with the snapshot taken before: row count and an md5 of
every row of courses, credit distributions, packages, package items, providers and
catalog revisions; no advisory lock held; no run marked stale. Last, a second import of
the changed file (with the lock wait cut to 1 s, so a lock left behind would fail it)
must succeed at once and report every course updated and the new ones created.

Writes its section of bench/results/fault_recovery.md (the rest of the file is kept).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_setup import (  # noqa: E402
    PYTHON,
    bench_env,
    db_url,
    drop_database,
    manage,
    recreate_database,
    replace_section,
    write_generated_catalog,
)

RESULTS = ROOT / "bench" / "results" / "fault_recovery.md"
HEADING = "## Import killed mid-import"
REQUIRED = [
    {"category": "Image Formation", "credits": "3.0"},
    {"category": "Radiation Safety and Dose", "credits": "1.5"},
]


def snapshot() -> dict[str, Any]:
    """Row count and md5 of every row, per catalog table; stale runs; advisory locks."""
    from django.db import connection

    from catalog.models import (
        CatalogRevision,
        Course,
        CreditDistribution,
        Package,
        PackageItem,
        Provider,
    )
    from matching.models import MatchingRun

    tables: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for model in (Course, CreditDistribution, Package, PackageItem, Provider, CatalogRevision):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) "  # noqa: S608
                f"FROM {table} t"
            )
            tables[table] = tuple(cursor.fetchone())
        cursor.execute(  # this database's only: other databases of the server have theirs
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        advisory = int(cursor.fetchone()[0])
    return {
        "tables": tables,
        "stale_runs": MatchingRun.objects.filter(is_stale=True).count(),
        "advisory_locks": advisory,
    }


def make_prescriptions(count: int) -> list[int]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from matching.models import MatchingRun
    from plans import services
    from prescriptions.documents import prescription_spec_from_document

    user, _ = get_user_model().objects.get_or_create(username="import-killed-bench")
    today = timezone.localdate()
    ids = []
    for i in range(count):
        spec = prescription_spec_from_document(
            {
                "format": "cqr-prescription/1",
                "discipline": "CT",
                "issued_on": (today - timedelta(days=30)).isoformat(),
                "deadline": (today + timedelta(days=400 + i)).isoformat(),
                "required": REQUIRED,
                "hours_per_week": "3",
            }
        )
        prescription = services.prescription_create(
            owner=user, spec=spec, title=f"Import killed {i}", floating_as_of=True
        )
        ids.append(prescription.pk)
    done = MatchingRun.objects.filter(prescription_id__in=ids, status="done").count()
    if done != count:
        sys.exit(f"only {done} of the {count} bench runs are done")
    return ids


def writing_session(database_name: str, known: set[int]) -> int | None:
    """The pid of a new session of the bench database that has begun writing."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_xid IS NOT NULL "
            "AND pid <> pg_backend_pid()",
            [database_name],
        )
        pids = [int(row[0]) for row in cursor.fetchall()]
    fresh = [pid for pid in pids if pid not in known]
    return fresh[0] if fresh else None


def session_alive(pid: int) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def kill_trial(
    env: dict[str, str], changed: Path, database_name: str, delay: float, before: dict[str, Any]
) -> dict[str, Any]:
    began = time.monotonic()
    process = subprocess.Popen(
        [PYTHON, str(ROOT / "manage.py"), "import_catalog", str(changed)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    backend = None
    while backend is None and process.poll() is None:
        backend = writing_session(database_name, set())
        time.sleep(0.02)
    writing_at = time.monotonic()
    time.sleep(delay)
    if process.poll() is not None:
        out, err = process.communicate()
        return {"delay": delay, "killed": False, "note": (out + err).decode()[-300:]}
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    killed_at = time.monotonic()
    gone = backend is None
    while backend is not None and not gone and time.monotonic() - killed_at < 60:
        gone = not session_alive(backend)
        if not gone:
            time.sleep(0.02)
    ended_at = time.monotonic()
    after = snapshot()
    return {
        "delay": delay,
        "killed": True,
        "started_to_writing": writing_at - began,
        "started_to_kill": killed_at - began,
        "session_gone": gone,
        "session_end": ended_at - killed_at,
        "same_catalog": after["tables"] == before["tables"],
        "differs": sorted(t for t in after["tables"] if after["tables"][t] != before["tables"][t]),
        "stale_runs": after["stale_runs"],
        "advisory_locks": after["advisory_locks"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=30_000)
    parser.add_argument("--added", type=int, default=2_000)
    parser.add_argument("--db-name", default="cqr_bench_import_killed")
    parser.add_argument("--delays", default="0,1,3")
    parser.add_argument("--solver-limit", type=float, default=5.0)
    parser.add_argument(
        "--server-url",
        default=os.environ.get("DATABASE_URL", "postgresql://app:app@127.0.0.1:5432/app"),
    )
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--note", default="")
    options = parser.parse_args()
    delays = [float(d) for d in options.delays.split(",")]

    folder = Path(tempfile.mkdtemp(prefix="cqr-import-killed-"))
    database = db_url(options.server_url, options.db_name)
    recreate_database(options.server_url, options.db_name)
    env = bench_env(
        database, CQR_SOLVER_TIME_LIMIT=str(options.solver_limit), DJANGO_LOG_LEVEL="ERROR"
    )
    began = time.perf_counter()
    manage(env, "migrate", "--noinput", "-v0")
    first = write_generated_catalog(folder / "catalog.json", options.courses)
    manage(env, "import_catalog", str(folder / "catalog.json"))
    # Every course changed, plus new ones (the generator's next courses, renumbered).
    changed_document = copy.deepcopy(first)
    courses: list[dict[str, Any]] = changed_document["courses"]  # type: ignore[assignment]
    for course in courses:
        course["title"] += " (2027 edition)"
        if course["price"] is not None:
            course["price"] = f"{float(course['price']) + 1:.2f}"
    extra = write_generated_catalog(folder / "extra.json", options.courses + options.added)
    courses.extend(extra["courses"][options.courses :])  # type: ignore[index]
    changed = folder / "catalog-changed.json"
    changed.write_text(json.dumps(changed_document), encoding="utf-8")

    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cqr_portal.settings")
    import django

    django.setup()
    from django.db import connection

    prescriptions = make_prescriptions(2)
    setup_seconds = time.perf_counter() - began
    before = snapshot()
    trials = []
    for delay in delays:
        trial = kill_trial(env, changed, options.db_name, delay, before)
        trials.append(trial)
        print(json.dumps(trial), flush=True)

    second_env = {**env, "CQR_CATALOG_IMPORT_LOCK_WAIT": "1"}
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "import_catalog", str(changed)],
        env=second_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    second_seconds = time.perf_counter() - started
    second_ok = done.returncode == 0
    second_said = (done.stdout if second_ok else done.stderr).strip().splitlines()[-1:]
    expected = f"courses: {options.added} created, {options.courses} updated"
    after_second = snapshot()
    connection.close()
    if not options.keep_database:
        drop_database(options.server_url, options.db_name)

    def passed(t: dict[str, Any]) -> bool:
        return bool(
            t["killed"]
            and t["session_gone"]
            and t["same_catalog"]
            and t["stale_runs"] == 0
            and t["advisory_locks"] == 0
        )

    overall = (
        all(passed(t) for t in trials)
        and second_ok
        and any(expected in line for line in second_said)
        and after_second["stale_runs"] > 0
    )
    catalog = before["tables"]["catalog_course"][0]
    lines = [
        HEADING,
        "",
        f"`bench/import_killed.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"PostgreSQL database `{options.db_name}` with {catalog:,} generated courses "
        f"({before['tables']['catalog_package'][0]:,} packages) and {len(prescriptions)} CT "
        "prescriptions with done runs. The new file changes every course's title and price "
        f"and adds {options.added:,} courses. `manage.py import_catalog` on it was killed "
        "(SIGKILL) once its database session had begun writing, plus the delay below.",
        "",
        "| delay after first write | started → kill | orphaned session ended after | "
        "catalog = before (count + md5 of every row, 6 tables) | advisory locks held | "
        "runs marked stale | check |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in trials:
        if not t["killed"]:
            lines.append(f"| {t['delay']:g} s | import finished first: {t['note']} | | | | | — |")
            continue
        lines.append(
            f"| {t['delay']:g} s | {t['started_to_kill']:.1f} s "
            f"(writing from {t['started_to_writing']:.1f} s) | "
            f"{t['session_end']:.2f} s | "
            f"{'yes' if t['same_catalog'] else 'NO: ' + ', '.join(t['differs'])} | "
            f"{t['advisory_locks']} | {t['stale_runs']} | {'met' if passed(t) else 'NOT met'} |"
        )
    lines += [
        "",
        f"Then the same file imported again with the lock wait cut to 1 s: "
        f"{'succeeded' if second_ok else 'FAILED'} in {second_seconds:.1f} s (process start "
        f"included): “{' '.join(second_said)}”; afterwards {after_second['stale_runs']} "
        "run(s) stale (the completed import marks them; the killed ones marked none).",
        "",
        "Check: after every kill the catalog is exactly the previous one (nothing "
        "half-written, no new catalog revision), no advisory lock is left, no run is marked "
        "stale, and a second import succeeds at once and writes the whole file. Overall: "
        f"{'met' if overall else 'NOT met'}.",
        "",
        f"Setup (database, migrate, import, runs): {setup_seconds:.0f} s. Machine: Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end."
        + (f" {options.note}" if options.note else ""),
        "",
    ]
    replace_section(RESULTS, HEADING, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
