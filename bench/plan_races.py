"""Race benchmark: plan writes and catalog imports that meet each other, against a real
server, never answer 500.

Usage: .venv/bin/python bench/plan_races.py [--rounds 100] [--courses 5000]
       [--db-name cqr_bench_races] [--solver-limit 5]
       [--server-url postgresql://app:app@127.0.0.1:5432/app] [--note TEXT]

Builds its own PostgreSQL database `--db-name` (migrated, bench/import_50k.py's generated
catalog of `--courses` courses imported), a technologist with a CT prescription and the
staff member of one provider (prov00) with an API token, and starts gunicorn as
docker-compose does (`cqr_portal/gunicorn_conf.py`, DEBUG off, secure cookies: the
clients send `X-Forwarded-Proto: https` like the TLS proxy). No broker: Celery runs the
re-plan's run in the request, as `make run` does.

The technologist signs in through the login form (session and CSRF cookies, the CSRF
token on every POST). Each round first brings the plan to a known state (a plan with one
course planned and one marked done; the prescription's completed courses cleared), then
six threads wait on a barrier and fire at once on the same plan: choose a bundle, mark a
planned course done, undo the done one, re-plan, and two imports of prov00's catalog
(`POST /api/v1/provider/catalog/`, one course's price changed every other round). Every
answer's status is counted; a 4xx is checked for a message naming what happened. Goal:
0 x 500 over all rounds, every loser a 404/409 with a message. Writes
bench/results/plan_races.md.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from html import unescape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_setup import (  # noqa: E402
    bench_env,
    db_url,
    drop_database,
    free_port,
    manage,
    recreate_database,
    start_cache_redis,
    start_gunicorn,
    wait_for_port,
    write_generated_catalog,
)

RESULTS = ROOT / "bench" / "results" / "plan_races.md"
PASSWORD = "race-bench-password-1"  # noqa: S105 (a throwaway bench account)
PROVIDER = "prov00"
REQUIRED = [
    {"category": "Image Formation", "credits": "3.0"},
    {"category": "Radiation Safety and Dose", "credits": "1.5"},
    {"category": "Abdomen and Pelvis", "credits": "2.0"},
]
# What a loser's page says (the plan page's message, the error JSON, the 404 page).
MESSAGE = re.compile(
    r"no longer|already marked|Reload|another import|has changed|not in your plan|"
    r"is planned again|\"message\"",
    re.IGNORECASE,
)


class Browser:
    """A signed-in browser: session + CSRF cookies sent by hand (they are Secure and the
    bench talks plain HTTP to gunicorn, as the TLS proxy does)."""

    def __init__(self, base: str) -> None:
        import requests

        self.base = base
        self.http = requests
        self.cookies: dict[str, str] = {}
        self.headers = {"X-Forwarded-Proto": "https", "Origin": base.replace("http:", "https:")}

    def _cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def _keep(self, response: Any) -> None:
        for cookie in response.cookies:
            self.cookies[cookie.name] = cookie.value or ""

    def get(self, path: str) -> Any:
        response = self.http.get(
            self.base + path,
            headers={**self.headers, **self._cookie_header()},
            allow_redirects=False,
            timeout=120,
        )
        self._keep(response)
        return response

    def post(self, path: str, data: dict[str, str] | None = None) -> Any:
        return self.http.post(
            self.base + path,
            data={**(data or {}), "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")},
            headers={
                **self.headers,
                **self._cookie_header(),
                "X-CSRFToken": self.cookies.get("csrftoken", ""),
                "Referer": self.headers["Origin"] + path,
            },
            allow_redirects=False,
            timeout=120,
        )

    def login(self, username: str) -> None:
        page = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if token is None:
            sys.exit(f"no CSRF token on the login page ({page.status_code})")
        response = self.post("/accounts/login/", {"username": username, "password": PASSWORD})
        self._keep(response)
        if response.status_code != 302 or "sessionid" not in self.cookies:
            sys.exit(f"login failed: {response.status_code} {response.text[:300]}")


def prepare(prescription_id: int) -> None:
    """A known starting state: completed courses cleared, the latest run done with
    bundles (computed again if a re-plan left none)."""
    from matching.models import MatchingRun
    from matching.services.runs import run_create
    from prescriptions.models import Prescription

    prescription = Prescription.objects.get(pk=prescription_id)
    prescription.completed_courses.clear()
    run = MatchingRun.objects.filter(prescription=prescription).latest("id")
    if run.status != "done" or not run.bundles.exists():
        run_create(prescription=prescription)


def plan_state(browser: Browser, pk: int) -> tuple[list[int], list[int], list[int]]:
    """(bundle ids on the prescription page, planned item ids, done item ids)."""
    detail = browser.get(f"/prescriptions/{pk}/").text
    bundles = sorted(
        {int(b) for b in re.findall(rf"/prescriptions/{pk}/bundles/(\d+)/choose/", detail)}
    )
    plan = browser.get(f"/prescriptions/{pk}/plan/").text
    done_forms = set(re.findall(rf"/prescriptions/{pk}/plan/items/(\d+)/done/", plan))
    undo_forms = set(re.findall(rf"/prescriptions/{pk}/plan/items/(\d+)/undo/", plan))
    return (
        bundles,
        sorted(int(i) for i in done_forms - undo_forms),
        sorted(int(i) for i in undo_forms),
    )


def set_up_round(browser: Browser, pk: int) -> tuple[int, int, int]:
    """Returns (bundle to choose, planned item to mark done, done item to undo)."""
    prepare(pk)
    bundles, planned, done = plan_state(browser, pk)
    if not bundles:
        sys.exit("the prescription page lists no bundle to choose")
    if len(planned) + len(done) < 2:
        response = browser.post(f"/prescriptions/{pk}/bundles/{bundles[0]}/choose/")
        if response.status_code != 302:
            sys.exit(f"choosing the first bundle answered {response.status_code}")
        bundles, planned, done = plan_state(browser, pk)
    if not done:
        item = planned.pop(0)
        response = browser.post(
            f"/prescriptions/{pk}/plan/items/{item}/done/",
            {f"item{item}-done_on": yesterday()},
        )
        if response.status_code != 302:
            sys.exit(f"marking a course done answered {response.status_code}")
        done = [item]
    if not planned:
        sys.exit("the plan has no planned course left to mark done")
    return bundles[-1], planned[0], done[0]


def yesterday() -> str:
    from django.utils import timezone

    return (timezone.localdate() - timedelta(days=1)).isoformat()


def provider_document(document: dict[str, Any]) -> dict[str, Any]:
    courses = [c for c in document["courses"] if c["provider"] == PROVIDER]
    return {
        "format": document["format"],
        "providers": [p for p in document["providers"] if p["code"] == PROVIDER],
        "courses": courses,
        "packages": [p for p in document["packages"] if p["provider"] == PROVIDER],
    }


def set_up_accounts(courses: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from catalog.models import Provider, ProviderMembership
    from catalog.services import staff_grant_catalog_permissions
    from matching.models import MatchingRun
    from plans import services
    from prescriptions.documents import prescription_spec_from_document

    users = get_user_model()
    tech = users.objects.create_user(username="race-bench", password=PASSWORD)
    staff = users.objects.create_user(username="race-staff", password=PASSWORD)
    ProviderMembership.objects.create(user=staff, provider=Provider.objects.get(code=PROVIDER))
    staff_grant_catalog_permissions(user=staff)
    today = timezone.localdate()
    spec = prescription_spec_from_document(
        {
            "format": "cqr-prescription/1",
            "discipline": "CT",
            "issued_on": (today - timedelta(days=30)).isoformat(),
            "deadline": (today + timedelta(days=500)).isoformat(),
            "required": REQUIRED,
            "hours_per_week": "3",
        }
    )
    prescription = services.prescription_create(
        owner=tech, spec=spec, title="Race bench CT", floating_as_of=True
    )
    run = MatchingRun.objects.filter(prescription=prescription).latest("id")
    if run.status != "done":
        sys.exit(f"the bench prescription's run is {run.status}: {run.error}")
    return {
        "prescription": prescription.pk,
        "token": Token.objects.create(user=staff).key,
        "username": tech.get_username(),
    }


def fire(calls: list[tuple[str, Any]]) -> list[tuple[str, int, str]]:
    """Run every call in its own thread, all released by one barrier."""
    barrier = threading.Barrier(len(calls))
    answers: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def one(label: str, call: Any) -> None:
        barrier.wait()
        try:
            response = call()
            answer = (label, response.status_code, response.text)
        except Exception as exc:  # a dropped connection counts as a failure
            answer = (label, 0, repr(exc))
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=one, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--courses", type=int, default=5000)
    parser.add_argument("--db-name", default="cqr_bench_races")
    parser.add_argument("--solver-limit", type=float, default=5.0)
    parser.add_argument(
        "--server-url",
        default=os.environ.get("DATABASE_URL", "postgresql://app:app@127.0.0.1:5432/app"),
    )
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--note", default="")
    options = parser.parse_args()

    import requests

    folder = Path(tempfile.mkdtemp(prefix="cqr-races-"))
    database = db_url(options.server_url, options.db_name)
    recreate_database(options.server_url, options.db_name)
    env = bench_env(
        database,
        CQR_SOLVER_TIME_LIMIT=str(options.solver_limit),
        DJANGO_LOG_LEVEL="ERROR",
        DJANGO_SECRET_KEY="race-bench-only-secret-key-" + "x" * 40,
        CQR_API_THROTTLE_USER="1000000/minute",
    )
    began = time.perf_counter()
    manage(env, "migrate", "--noinput", "-v0")
    document = write_generated_catalog(folder / "catalog.json", options.courses)
    manage(env, "import_catalog", str(folder / "catalog.json"))
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cqr_portal.settings")
    import django

    django.setup()
    from django.db import connection

    from catalog.models import Course

    info = set_up_accounts(options.courses)
    mine = provider_document(document)
    changed = copy.deepcopy(mine)
    changed["courses"][0]["price"] = "1.23"
    setup_seconds = time.perf_counter() - began

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cache_port = free_port()
    cache = start_cache_redis(cache_port)
    server = start_gunicorn(env, port, f"redis://127.0.0.1:{cache_port}/1")
    counts: Counter[tuple[str, int]] = Counter()
    silent: list[str] = []  # 4xx answers without a message
    server_errors: list[str] = []
    samples: dict[tuple[str, int], str | None] = {}
    pk = info["prescription"]
    api_headers = {
        "Authorization": f"Token {info['token']}",
        "Content-Type": "application/json",
        "X-Forwarded-Proto": "https",
    }
    try:
        wait_for_port(port)
        browser = Browser(base)
        browser.login(info["username"])
        for round_number in range(options.rounds):
            bundle, planned, done = set_up_round(browser, pk)
            body = json.dumps(changed if round_number % 2 else mine)

            def import_catalog(body: str = body) -> Any:
                return requests.post(
                    f"{base}/api/v1/provider/catalog/", data=body, headers=api_headers, timeout=120
                )

            answers = fire(round_calls(browser, pk, bundle, planned, done, import_catalog))
            for label, status, text in answers:
                kind = "import" if label.startswith("import") else label
                counts[(kind, status)] += 1
                if status >= 500 or status == 0:
                    server_errors.append(f"round {round_number + 1} {label}: {status}")
                elif 400 <= status < 500:
                    said = what_it_said(text)
                    samples.setdefault((kind, status), said)
                    if said is None:
                        silent.append(f"round {round_number + 1} {label}: {status}")
            print(round_number + 1, sorted(answers_summary(answers)), flush=True)
            connection.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        cache.terminate()
        cache.wait(timeout=30)
    courses_now = Course.objects.filter(provider__code=PROVIDER).count()
    connection.close()
    if not options.keep_database:
        drop_database(options.server_url, options.db_name)

    write_results(options, counts, server_errors, silent, samples, setup_seconds, courses_now, mine)


def round_calls(
    browser: Browser, pk: int, bundle: int, planned: int, done: int, import_catalog: Any
) -> list[tuple[str, Any]]:
    plan = f"/prescriptions/{pk}/plan"
    return [
        ("choose", lambda: browser.post(f"/prescriptions/{pk}/bundles/{bundle}/choose/")),
        (
            "mark done",
            lambda: browser.post(
                f"{plan}/items/{planned}/done/", {f"item{planned}-done_on": yesterday()}
            ),
        ),
        ("undo", lambda: browser.post(f"{plan}/items/{done}/undo/")),
        ("re-plan", lambda: browser.post(f"{plan}/replan/")),
        ("import 1", import_catalog),
        ("import 2", import_catalog),
    ]


def what_it_said(text: str) -> str | None:
    """The message of a 4xx answer (its text around the first known phrase), or None."""
    plain = " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())
    found = MESSAGE.search(plain)
    if found is None:
        return None
    return plain[max(0, found.start() - 60) : found.end() + 80]


def answers_summary(answers: list[tuple[str, int, str]]) -> list[str]:
    return [f"{label}={status}" for label, status, _ in answers]


def write_results(
    options: Any,
    counts: Counter[tuple[str, int]],
    server_errors: list[str],
    silent: list[str],
    samples: dict[tuple[str, int], str | None],
    setup_seconds: float,
    courses_now: int,
    mine: dict[str, Any],
) -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    kinds = ["choose", "mark done", "undo", "re-plan", "import"]
    statuses = sorted({status for _, status in counts})
    goal = not server_errors and not silent
    workers = os.environ.get("GUNICORN_WORKERS", "3")
    threads = os.environ.get("GUNICORN_THREADS", "4")
    lines = [
        "# Races: plan writes and catalog imports at once",
        "",
        f"`bench/plan_races.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"commit {commit}: {options.rounds} rounds against gunicorn {workers} gthread workers x "
        f"{threads} threads (`cqr_portal/gunicorn_conf.py`, DEBUG off, no broker: the re-plan "
        f"computes its run in the request, solver limit {options.solver_limit:g} s), "
        f"PostgreSQL database `{options.db_name}` with {options.courses:,} generated courses. "
        "Each round six HTTP clients released by one barrier hit the same CT plan: choose a "
        "bundle, mark a planned course done, undo a done one, re-plan (the technologist's "
        "session, signed in through the login form, CSRF token on each POST), and two "
        f"imports of provider {PROVIDER}'s catalog ({len(mine['courses'])} courses, "
        f"{len(mine['packages'])} packages; one price changed every other round) through "
        "`POST /api/v1/provider/catalog/` with a staff token.",
        "",
        "| request | " + " | ".join(str(s) for s in statuses) + " |",
        "|---|" + "---|" * len(statuses),
    ]
    lines += [
        f"| {kind} | " + " | ".join(str(counts.get((kind, s), 0)) for s in statuses) + " |"
        for kind in kinds
    ]
    total_500 = sum(n for (_, s), n in counts.items() if s >= 500 or s == 0)
    lines += [
        "",
        f"500s (or dropped connections): {total_500}. 4xx answers without a message: "
        f"{len(silent)}. Goal (0 x 500, every loser a 404/409 with a message): "
        f"{'met' if goal else 'NOT met'}. prov00 holds {courses_now} courses at the end "
        f"({len(mine['courses'])} in its file).",
        "",
    ]
    lines += [f"- {kind} {status}: “{said}”" for (kind, status), said in sorted(samples.items())]
    lines += [f"- {line}" for line in (server_errors + silent)[:20]]
    lines += [
        "",
        f"Setup (database, migrate, catalog import, accounts, first run): {setup_seconds:.0f} s."
        f" Machine: Python {platform.python_version()}, {os.cpu_count()} CPUs shared by "
        "gunicorn, PostgreSQL and the clients; load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end."
        + (f" {options.note}" if options.note else ""),
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
