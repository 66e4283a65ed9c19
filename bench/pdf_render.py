"""Benchmark: rendering the printable plan PDF (WeasyPrint), cold and warm.

Usage: .venv/bin/python bench/pdf_render.py [--renders 20]

Builds a temporary SQLite portal with the demo catalog (`seed_demo`), computes the
recommendation of a CT prescription naming four subcategories, then renders its PDF
(`plan_document.recommendation_pdf`, the template the web page's plan.pdf uses) once cold and
`--renders` times warm, on Letter and A4. Reports the median and worst warm time and the
page count to bench/results/pdf_render.md. Goal: <= 1 s warm.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

PRESCRIPTION = {
    "format": "cqr-prescription/1",
    "discipline": "CT",
    "issued_on": "2026-09-01",
    "deadline": "2028-06-30",
    "as_of": "2026-11-22",
    "required": [
        {"category": "Image Formation", "credits": "3.0"},
        {"category": "Radiation Safety and Dose", "credits": "2.0"},
        {"category": "Abdomen and Pelvis", "credits": "1.5"},
        {"category": "Patient Interactions and Management", "credits": "1.0"},
    ],
    "hours_per_week": "2",
}


def setup(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cqr_portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def pages(pdf: bytes, directory: Path) -> int:
    path = directory / "plan.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    for line in info.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--renders", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        setup(directory / "db.sqlite3")
        from matching.services.problem import recommend
        from plans.selectors.plan_document import recommendation_pdf
        from prescriptions.documents import prescription_spec_from_document

        spec = prescription_spec_from_document(PRESCRIPTION)
        document = recommend(spec, alternatives=3).document
        bundle = document["bundles"][0]

        began = time.perf_counter()
        first = recommendation_pdf(spec=spec, document=document, owner_name="Bench Tech")
        cold = time.perf_counter() - began
        rows = []
        for paper in ("letter", "a4"):
            times = []
            for _ in range(args.renders):
                began = time.perf_counter()
                pdf = recommendation_pdf(
                    spec=spec, document=document, owner_name="Bench Tech", paper=paper
                )
                times.append(time.perf_counter() - began)
            rows.append((paper, statistics.median(times), max(times), pages(pdf, directory)))
        size = len(first)
        (RESULTS / "pdf_render_sample.pdf").write_bytes(first) if os.environ.get(
            "KEEP_PDF"
        ) else None

    worst = max(row[2] for row in rows)
    lines = [
        "# Plan PDF rendering",
        "",
        "`bench/pdf_render.py`: `plan_document.recommendation_pdf` (WeasyPrint, "
        "templates/pdf/plan.html)"
        f" for bundle 1 of a CT prescription with 4 subcategories: {len(bundle['courses'])} "
        f"courses, {len(bundle['purchases'])} purchases; demo catalog on SQLite. "
        f"{args.renders} warm renders per paper size.",
        "",
        "| paper | warm median s | warm max s | pages | goal (median <= 1 s warm) |",
        "|---|---|---|---|---|",
        *(
            f"| {paper} | {median:.3f} | {high:.3f} | {n} | {'met' if median <= 1 else 'NOT met'} |"
            for paper, median, high, n in rows
        ),
        "",
        f"Cold (first render in the process, font discovery included): {cold:.2f} s. "
        f"PDF size {size / 1024:.0f} KiB. Worst warm render {worst:.3f} s.",
        f"Machine: Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} (a shared machine), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pdf_render.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
