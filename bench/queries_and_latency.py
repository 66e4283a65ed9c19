"""Benchmark: SQL queries and median latency of one prescription's pages, small and large.

Usage: .venv/bin/python bench/queries_and_latency.py [--repeat 15] [--label after]
       [--server-url postgresql://app:app@127.0.0.1:5432/app] [--output FILE]

Creates a temporary PostgreSQL database next to `--server-url` (the role needs CREATEDB),
migrates it and loads the demo catalog (`seed_demo`). Celery publishes to an in-memory
broker that no worker reads (so a POST costs what it costs a web worker in production:
save, queue, publish); the bench then computes each run itself (`run_execute`).

Two prescriptions of a CT technologist are measured with the Django test client:
"small" requires 1 subcategory and keeps 2 bundles (1 alternative), "large" requires 5
subcategories and keeps up to 6 bundles (5 alternatives). For each: the web form's POST
(/prescriptions/new/), the API's POST (/api/v1/prescriptions/create/), the bundles page
cold (its fragment cache cleared) and warm, the plan page and the plan PDF (a bundle
chosen). Each row gives the queries of one request (SAVEPOINTs included) and the median
wall time of `--repeat` requests (BENCH_SHOW_QUERIES=1 prints the SQL). Appends a
section to bench/results/queries.md.
Goals (issue 12): POST <= 15, bundles page <= 8, PDF <= 10 queries, the same for small
and large.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
GOALS = {"web POST": 15, "API POST": 15, "bundles cold": 8, "bundles warm": 8, "plan PDF": 10}


def db_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def psql(server_url: str, sql: str) -> None:
    subprocess.run(["psql", server_url, "-qAtc", sql], check=True)


def setup_django(database: str) -> None:
    os.environ["DATABASE_URL"] = database
    os.environ["DJANGO_DEBUG"] = "true"  # seed_demo refuses otherwise; queries are counted anyway
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["CELERY_RESULT_BACKEND"] = "cache+memory://"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cqr_portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # "testserver" host, in-memory email

    call_command("migrate", "--noinput", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def measure(
    request: Callable[[], Any], repeat: int, before: Callable[[], None] | None = None
) -> tuple[int, float]:
    """(queries of the first request, median ms over `repeat` requests)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if before:
        before()
    connection.queries_log.clear()  # a full log (9,000 entries) would count nothing
    with CaptureQueriesContext(connection) as captured:
        request()
    if os.environ.get("BENCH_SHOW_QUERIES"):
        print("\n".join(q["sql"][:150] for q in captured.captured_queries), end="\n\n")
    times = []
    for _ in range(repeat):
        if before:
            before()
        began = time.perf_counter()
        request()
        times.append((time.perf_counter() - began) * 1000)
    return len(captured), statistics.median(times)


def run_scenario(name: str, subcategories: int, alternatives: int, repeat: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client, override_settings
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from catalog.models import OutlineVersion
    from matching.models import MatchingRun
    from matching.services.runs import run_execute
    from prescriptions.models import Prescription

    today = datetime.now(UTC).date()
    user, _ = get_user_model().objects.get_or_create(
        username=f"bench-{name}", defaults={"email": f"{name}@example.org"}
    )
    outline = OutlineVersion.objects.get(discipline__code="CT", is_current=True)
    subs = list(
        outline.subcategories.filter(distribution_rows__course__is_active=True)
        .distinct()
        .order_by("position", "id")[:subcategories]
    )
    form: dict[str, Any] = {
        "discipline": "CT",
        "title": f"Bench {name}",
        "issued_on": (today - timedelta(days=30)).isoformat(),
        "deadline": (today + timedelta(days=700)).isoformat(),
        "as_of": "",
        "hours_per_week": "4",
        "formats": ["online", "home-study", "webinar", "live"],
        **{f"credits_{sub.pk}": "1.5" for sub in subs},
    }
    document = {
        "format": "cqr-prescription/1",
        "discipline": "CT",
        "title": f"Bench {name} (API)",
        "issued_on": form["issued_on"],
        "deadline": form["deadline"],
        "hours_per_week": "4",
        "required": [{"category": sub.name, "credits": "1.5"} for sub in subs],
    }
    client = Client()
    client.force_login(user)
    api = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    def web_post() -> None:
        response = client.post("/prescriptions/new/", form)
        assert response.status_code == 302, response.content[:2000]

    def api_post() -> None:
        response = api.post("/api/v1/prescriptions/create/", document, format="json")
        assert response.status_code == 201, response.content[:2000]

    rows: dict[str, tuple[int, float]] = {}
    rows["web POST"] = measure(web_post, repeat)
    rows["API POST"] = measure(api_post, repeat)
    prescription = Prescription.objects.filter(owner=user, title=f"Bench {name}").latest("id")
    run = MatchingRun.objects.filter(prescription=prescription).latest("id")
    with override_settings(CQR_RUN_ALTERNATIVES=alternatives):
        run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.DONE, run.error
    bundles = run.bundles.count()
    courses = sum(b.items.count() for b in run.bundles.all())

    def get(path: str) -> Callable[[], None]:
        def request() -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return request

    detail = f"/prescriptions/{prescription.pk}/"
    rows["bundles cold"] = measure(get(detail), repeat, before=cache.clear)
    rows["bundles warm"] = measure(get(detail), repeat)
    best = run.bundles.order_by("rank").first()
    assert best is not None
    client.post(f"/prescriptions/{prescription.pk}/bundles/{best.pk}/choose/")
    rows["plan page"] = measure(get(f"/prescriptions/{prescription.pk}/plan/"), repeat)
    pdf = get(f"/prescriptions/{prescription.pk}/plan.pdf")
    rows["plan PDF"] = measure(pdf, max(3, repeat // 3))
    return {
        "name": name,
        "subcategories": len(subs),
        "bundles": bundles,
        "courses": courses,
        "plan_courses": best.items.count(),
        "rows": rows,
    }


def report(label: str, scenarios: list[dict[str, Any]], repeat: int, commit: str) -> str:
    small, large = scenarios
    lines = [
        f"## {label} ({commit}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"small: {small['subcategories']} subcategory, {small['bundles']} bundles, "
        f"{small['courses']} bundle courses, plan of {small['plan_courses']}; large: "
        f"{large['subcategories']} subcategories, {large['bundles']} bundles, "
        f"{large['courses']} bundle courses, plan of {large['plan_courses']}. "
        f"Median of {repeat} requests (PDF: {max(3, repeat // 3)}).",
        "",
        "| request | queries small | queries large | goal | median ms small | median ms large |",
        "|---|---|---|---|---|---|",
    ]
    for key in small["rows"]:
        (qs, ms), (ql, ml) = small["rows"][key], large["rows"][key]
        goal = GOALS.get(key)
        verdict = ""
        if goal is not None:
            verdict = f"<= {goal}: " + ("met" if max(qs, ql) <= goal else "NOT met")
        if qs != ql:
            verdict += (", " if verdict else "") + "NOT flat"
        lines.append(f"| {key} | {qs} | {ql} | {verdict} | {ms:.1f} | {ml:.1f} |")
    lines += [
        "",
        f"Machine: Python {platform.python_version()}, {os.cpu_count()} CPUs shared with "
        f"PostgreSQL and other sessions, load average {os.getloadavg()[0]:.1f}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--label", default="measured")
    parser.add_argument(
        "--server-url",
        default=os.environ.get("DATABASE_URL", "postgresql://app:app@127.0.0.1:5432/app"),
    )
    parser.add_argument("--output", default=str(RESULTS / "queries.md"))
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    name = f"cqr_bench_queries_{os.getpid()}"
    psql(args.server_url, f'CREATE DATABASE "{name}"')
    try:
        setup_django(db_url(args.server_url, name))
        scenarios = [
            run_scenario("small", subcategories=1, alternatives=1, repeat=args.repeat),
            run_scenario("large", subcategories=5, alternatives=5, repeat=args.repeat),
        ]
        from django.db import connections

        connections.close_all()
    finally:
        psql(args.server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    text = report(args.label, scenarios, args.repeat, commit)
    print(text)
    output = Path(args.output)
    if not output.exists():
        output.write_text(
            "# Queries and latency of one prescription's pages\n\n"
            "`bench/queries_and_latency.py` (Django test client, PostgreSQL, in-process; "
            "see its docstring).\n\n"
        )
    with output.open("a") as handle:
        handle.write(text + "\n")


if __name__ == "__main__":
    main()
