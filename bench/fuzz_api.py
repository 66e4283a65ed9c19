"""Longer schemathesis run against the API (>= 1,000 generated cases).

Runs the suite's fuzz test (tests/integration/api/test_fuzz.py: every operation, valid and invalid
inputs, as provider staff and as a technologist; checks: no 5xx, status code, content type
and body conform to the OpenAPI schema) with more examples per operation, random seeds and
literals from our own code, then writes bench/results/fuzz_api.md.

    .venv/bin/python bench/fuzz_api.py [--examples 25]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "bench" / "results" / "fuzz_api.md"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25, help="per operation and mode")
    parser.add_argument("--min-cases", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "fuzz.json"
        env = {
            **os.environ,
            "CQR_FUZZ_MAX_EXAMPLES": str(args.examples),
            "CQR_FUZZ_REPORT": str(report),
            "CQR_FUZZ_CONSTANTS": "1",
        }
        started = time.perf_counter()
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "tests/integration/api/test_fuzz.py",
                "-q",
                "-p",
                "no:cacheprovider",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        if not report.exists():
            print(run.stdout[-4000:], run.stderr[-4000:], sep="\n")
            return 1
        data = json.loads(report.read_text())
    write_markdown(data, seconds=seconds, passed=run.returncode == 0, examples=args.examples)
    print(f"{data['cases']} cases, {len(data['failures'])} failures, {seconds:.0f} s -> {RESULT}")
    if data["cases"] < args.min_cases:
        print(f"fewer than {args.min_cases} cases: raise --examples")
        return 1
    return run.returncode


def database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return "PostgreSQL" if url.startswith("postgres") else "SQLite"


def write_markdown(data: dict, *, seconds: float, passed: bool, examples: int) -> None:
    totals: Counter[str] = Counter()
    for op in data["operations"].values():
        for status, count in op["statuses"].items():
            totals[status] += count
    lines = [
        "# API fuzzing (schemathesis)",
        "",
        f"- Run: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on Python "
        f"{platform.python_version()}, {database()} test database, in-process WSGI.",
        f"- Command: `.venv/bin/python bench/fuzz_api.py --examples {examples}`",
        "- Per operation: its documented request examples, then "
        f"{examples} generated cases with valid inputs and {examples} with invalid ones "
        "(random seeds; literals from the project's code added to the pool); half of the "
        "cases with path ids use objects that exist and belong to the caller.",
        "- Callers: provider staff (token) for /provider/ operations, a technologist (token) "
        "for the others.",
        "- Checks on every response: not a server error (5xx), status code documented, "
        "content type documented, body valid against the documented schema.",
        "",
        f"**{data['cases']} cases over {len(data['operations'])} operations in "
        f"{seconds:.0f} s: {len(data['failures'])} failures — "
        f"{'PASS' if passed and not data['failures'] else 'FAIL'}.**",
        "",
        "Responses by status: "
        + ", ".join(f"{status}: {totals[status]}" for status in sorted(totals)),
        "",
        "| operation | cases | statuses |",
        "|---|---:|---|",
    ]
    for label, op in data["operations"].items():
        statuses = ", ".join(f"{s}×{n}" for s, n in sorted(op["statuses"].items()))
        lines.append(f"| `{label}` | {op['cases']} | {statuses} |")
    if data["failures"]:
        lines += ["", "## Failures", ""]
        lines += [f"```\n{failure}\n```" for failure in data["failures"]]
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
