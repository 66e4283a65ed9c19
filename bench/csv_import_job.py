"""Benchmark: a big admin course CSV imported as a background job (catalog/csv_import_jobs.py),
its progress as another session sees it, and a file with one bad row changing nothing.

Usage: .venv/bin/python bench/csv_import_job.py [--courses 20000]
       [--db-name cqr_bench_csv_job] [--server-url postgresql://...] [--note TEXT]

Builds its own PostgreSQL database (migrated, bench/import_50k.py's generated catalog of
`--courses` courses imported), exports every course as the admin's CSV (one row each, the
distribution in one column) with every price changed, stores it as a job and runs the
task's service in a thread while the main thread (its own database session, like the job
page) polls the job every 0.5 s. Then the same file with one invalid price in its last row:
the job must fail naming that row and column, and the courses table must be unchanged (row
count and md5 of every row). Writes bench/results/csv_import_job.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_setup import (  # noqa: E402
    bench_env,
    db_url,
    drop_database,
    manage,
    recreate_database,
    write_generated_catalog,
)

RESULTS = ROOT / "bench" / "results" / "csv_import_job.md"


def courses_md5() -> tuple[int, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) "
            "FROM catalog_course t"
        )
        count, digest = cursor.fetchone()
    return int(count), str(digest)


def run_job(data: bytes, user: Any) -> dict[str, Any]:
    from django.db import connections

    from catalog.csv_import_jobs import csv_import_job_create, csv_import_job_run
    from catalog.models import CourseImportJob

    job = csv_import_job_create(user=user, provider_codes=None, file_name="all.csv", data=data)
    began = time.perf_counter()

    def work() -> None:
        try:
            csv_import_job_run(job_id=job.pk)
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    samples: list[tuple[float, str, int]] = []
    while thread.is_alive():
        seen = CourseImportJob.objects.get(pk=job.pk)
        samples.append((time.perf_counter() - began, seen.status, seen.processed_rows))
        time.sleep(0.5)
    thread.join()
    elapsed = time.perf_counter() - began
    job.refresh_from_db()
    counts = [n for _, status, n in samples if status == "running"]
    read_all = next((t for t, _, n in samples if n >= job.total_rows), None)
    return {
        "job": job,
        "seconds": elapsed,
        "samples": len(samples),
        "distinct_progress": len(set(counts)),
        "progress_rising": counts == sorted(counts),
        "read_phase": read_all,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=20_000)
    parser.add_argument("--db-name", default="cqr_bench_csv_job")
    parser.add_argument(
        "--server-url",
        default=os.environ.get("DATABASE_URL", "postgresql://app:app@127.0.0.1:5432/app"),
    )
    parser.add_argument("--note", default="")
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="cqr-csv-job-"))
    database = db_url(options.server_url, options.db_name)
    recreate_database(options.server_url, options.db_name)
    env = bench_env(database, DJANGO_LOG_LEVEL="ERROR")
    manage(env, "migrate", "--noinput", "-v0")
    write_generated_catalog(folder / "catalog.json", options.courses)
    manage(env, "import_catalog", str(folder / "catalog.json"))
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cqr_portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection

    from catalog.models import Course
    from catalog.resources import COLUMNS, course_row, with_export_relations

    user = get_user_model().objects.create_superuser(username="csv-bench", password="x" * 20)
    rows = [course_row(c) for c in with_export_relations(Course.objects.all())]
    for row in rows:
        price = row["price"]
        row["price"] = f"{float(price) + 1:.2f}" if price else ""

    def encoded(rows: list[dict[str, str]]) -> bytes:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")

    good = encoded(rows)
    before_good = courses_md5()
    success = run_job(good, user)
    after_good = courses_md5()
    bad_rows = [dict(r) for r in rows]
    bad_rows[-1]["price"] = "-5"
    before_bad = courses_md5()
    failure = run_job(encoded(bad_rows), user)
    after_bad = courses_md5()
    connection.close()
    drop_database(options.server_url, options.db_name)

    ok_job, bad_job = success["job"], failure["job"]
    bad_errors = [(e["row"], e["field"]) for e in bad_job.errors]
    goal = (
        ok_job.status == "done"
        and after_good != before_good
        and success["distinct_progress"] > 2
        and success["progress_rising"]
        and bad_job.status == "failed"
        and bad_errors == [(len(rows), "price")]
        and after_bad == before_bad
    )
    limit_mb = settings.CQR_ADMIN_IMPORT_MAX_BYTES / 1024 / 1024
    read_phase = success["read_phase"]
    rising = "rising" if success["progress_rising"] else "NOT rising"
    lines = [
        "# Background course CSV import (admin): progress and all-or-nothing",
        "",
        f"`bench/csv_import_job.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"PostgreSQL, {options.courses:,} generated courses; the admin CSV of every course "
        f"({len(rows):,} rows, {len(good) / 1024 / 1024:.1f} MB; the upload limit is "
        f"{limit_mb:.0f} MB) with every price changed, run by the job's service in a thread "
        "while another database session polled the job every 0.5 s (as the job page does).",
        "",
        "| file | status | rows read / rows | wall time | polls | distinct progress values "
        "seen while running | rows read after | courses table |",
        "|---|---|---|---|---|---|---|---|",
        f"| every price changed | {ok_job.status} | {ok_job.processed_rows:,} / "
        f"{ok_job.total_rows:,} | {success['seconds']:.1f} s | {success['samples']} | "
        f"{success['distinct_progress']} ({rising}) | {read_phase:.1f} s | changed |"
        if read_phase is not None
        else "| every price changed | (no progress seen) | | | | | | |",
        f"| the same, last row's price -5 | {bad_job.status} | {bad_job.processed_rows:,} / "
        f"{bad_job.total_rows:,} | {failure['seconds']:.1f} s | {failure['samples']} | "
        f"{failure['distinct_progress']} | | "
        f"{'unchanged (count + md5)' if after_bad == before_bad else 'CHANGED'} |",
        "",
        f"Summary of the good file: “{ok_job.summary}”. Errors of the bad one: "
        + "; ".join(f"row {e['row']}, {e['field']}: {e['message']}" for e in bad_job.errors[:3])
        + ".",
        "",
        "After the rows are read the whole file goes through `catalog_import` in one "
        "transaction (the rest of the wall time); progress counts rows read. Goal (done, "
        "progress seen rising, the bad file failed naming its row and column and changed "
        f"nothing): {'met' if goal else 'NOT met'}.",
        "",
        f"Machine: Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end."
        + (f" {options.note}" if options.note else ""),
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
