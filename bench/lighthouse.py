"""Benchmark: Lighthouse scores of the home, catalog and bundles pages.

Usage: .venv/bin/python bench/lighthouse.py [--mode dev|prod] [--runs 3] [--port 8790]
       [--label NAME] [--output /tmp/cqr-lighthouse-NAME.json]

Builds a throw-away SQLite database (migrate, load_outlines, seed_demo: the `make run`
data), saves a CT prescription for the demo technologist (bundles computed) and logs
them in. Then it serves the checkout:

- `dev`: `manage.py runserver --noreload`, DEBUG on, what `make run` serves;
- `prod`: DEBUG off, `collectstatic` (whitenoise's compressed manifest storage) and
  gunicorn, as the Dockerfile does.

and runs Lighthouse (`npx lighthouse`, Debian chromium through CHROME_PATH, default
mobile emulation with simulated throttling) `--runs` times per page. It prints, and
writes to `--output` as JSON, the median accessibility, best-practices and performance
scores with the metrics and the text-compression savings and DOM size Lighthouse
reports. bench/results/lighthouse.md holds the figures of the last measured runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CATEGORIES = ("accessibility", "best-practices", "performance")
METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "speed-index": "SI",
    "cumulative-layout-shift": "CLS",
}
PRESCRIPTION = {
    "format": "cqr-prescription/1",
    "discipline": "CT",
    "issued_on": "2026-09-01",
    "deadline": "2028-06-30",
    "required": [
        {"category": "Image Formation", "credits": "3.0"},
        {"category": "Radiation Safety and Dose", "credits": "1.5"},
        {"category": "Neck and Chest", "credits": "1"},
    ],
}
# Run inside `manage.py shell`: the prescription, its bundles, a session for the technologist.
SETUP = f"""
import json
from django.contrib.auth import get_user_model
from django.test import Client
from prescriptions.models import Prescription
user = get_user_model().objects.get(username="tech")
client = Client(HTTP_HOST="localhost")
client.force_login(user)
response = client.post("/prescriptions/import/", {{"text": json.dumps({PRESCRIPTION!r})}})
assert response.status_code == 302, response.content[-2000:]
print("SESSION=" + client.cookies["sessionid"].value)
print("PRESCRIPTION=" + str(Prescription.objects.get(owner=user).pk))
"""


def manage(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - a local URL we built
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer {url}")


def lighthouse(url: str, cookie: str, path: Path) -> dict[str, Any]:
    command = [
        "npx",
        "-y",
        "lighthouse",
        url,
        "--quiet",
        "--chrome-flags=--headless=new --no-sandbox",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        f"--output-path={path}",
        "--extra-headers",
        json.dumps({"Cookie": f"sessionid={cookie}"}),
    ]
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    report = json.loads(path.read_text())
    audits = report["audits"]
    compression = audits["uses-text-compression"].get("details", {})
    return {
        "scores": {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES},
        "metrics": {label: audits[key].get("numericValue", 0) for key, label in METRICS.items()},
        "compression_savings_kib": round(compression.get("overallSavingsBytes", 0) / 1024, 1),
        "dom_elements": audits["dom-size"].get("numericValue"),
        "transfer_kib": round(audits["total-byte-weight"].get("numericValue", 0) / 1024, 1),
        "failed_a11y_bp": sorted(
            key
            for c in ("accessibility", "best-practices")
            for ref in report["categories"][c]["auditRefs"]
            if ref.get("weight")
            and (score := audits[(key := ref["id"])].get("score")) is not None
            and score < 1
        ),
    }


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median performance score (its own metrics, not a mix)."""
    ordered = sorted(runs, key=lambda r: r["scores"]["performance"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["performance_all"] = [r["scores"]["performance"] for r in runs]
    return chosen


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("dev", "prod"), default="dev")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--label", default="")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    if not shutil.which("npx"):
        raise SystemExit("npx is not installed (apt-get install npm)")
    work = Path(tempfile.mkdtemp(prefix="cqr-lighthouse-"))
    port = args.port or free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("CELERY_BROKER_URL", None)
    if args.mode == "prod":
        env.update(
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY="lighthouse-bench-only-" + "x" * 40,
            DJANGO_SECURE_SSL_REDIRECT="false",
        )
    started = time.monotonic()
    manage(env, "migrate", "--noinput")
    manage(env, "load_outlines")
    # The demo accounts (published passwords) in a throw-away database, also for `prod`.
    manage(env, "seed_demo", "--if-empty", *(["--allow-without-debug"] * (args.mode == "prod")))
    values = dict(
        line.split("=", 1)
        for line in manage(env, "shell", stdin=SETUP).splitlines()
        if line.startswith(("SESSION=", "PRESCRIPTION="))
    )
    if args.mode == "prod":
        manage(env, "collectstatic", "--noinput")
        server = [
            PYTHON,
            "-m",
            "gunicorn",
            "cqr_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ]
    else:
        server = [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    setup_seconds = time.monotonic() - started
    process = subprocess.Popen(
        server, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    pages = {
        "home": f"{base}/",
        "catalog": f"{base}/catalog/",
        "bundles": f"{base}/prescriptions/{values['PRESCRIPTION']}/",
    }
    results: dict[str, Any] = {}
    try:
        wait_for(f"{base}/")
        for name, url in pages.items():
            runs = [
                lighthouse(url, values["SESSION"], work / f"{name}-{i}.json")
                for i in range(args.runs)
            ]
            results[name] = median_run(runs)
            print(name, json.dumps(results[name]), flush=True)
    finally:
        process.terminate()
        process.wait(timeout=30)
    summary = {
        "label": args.label,
        "mode": args.mode,
        "runs": args.runs,
        "setup_seconds": round(setup_seconds, 1),
        "load_average": os.getloadavg()[0],
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "pages": results,
    }
    name = f"cqr-lighthouse-{args.label or args.mode}.json"
    output = args.output or Path(tempfile.gettempdir()) / name
    output.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {output}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
