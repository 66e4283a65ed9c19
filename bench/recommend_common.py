"""Shared helpers for the recommend benchmarks: a throwaway portal on a temp SQLite DB.

Each benchmark drives the portal as an external suite would: `manage.py migrate`,
`manage.py import_catalog FILE`, `manage.py recommend FILE --json`, each a new process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MANAGE = str(ROOT / "manage.py")
RESULTS = ROOT / "bench" / "results"


class Portal:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.db = directory / "db.sqlite3"
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_URL"))
        }
        self.env["DATABASE_URL"] = f"sqlite:///{self.db}"

    def manage(self, *args: str, check: bool = True) -> tuple[subprocess.CompletedProcess, float]:
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, MANAGE, *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        seconds = time.perf_counter() - began
        if check and done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done, seconds

    def migrate(self) -> None:
        if self.db.exists():
            self.db.unlink()
        self.manage("migrate", "--noinput", "-v0")

    def import_catalog(self, document: dict[str, Any], name: str = "catalog.json") -> float:
        path = self.directory / name
        path.write_text(json.dumps(document))
        _, seconds = self.manage("import_catalog", str(path))
        return seconds

    def recommend(
        self, prescription: dict[str, Any], *args: str, name: str = "rx.json"
    ) -> tuple[dict[str, Any], float]:
        path = self.directory / name
        path.write_text(json.dumps(prescription))
        done, seconds = self.manage("recommend", str(path), "--json", *args, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"recommend failed ({done.returncode}):\n{done.stderr[-3000:]}")
        lines = done.stdout.splitlines()
        if len(lines) != 1:
            raise RuntimeError(f"stdout is not exactly one JSON line: {done.stdout[:500]!r}")
        return json.loads(lines[0]), seconds


def django_setup(db: Path) -> None:
    """Use the benchmark's database in this process too (for model statistics)."""
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cqr_portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_note() -> str:
    import platform

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs (load average {load} when written: other processes shared "
        f"the CPUs); SQLite; {time.strftime('%Y-%m-%d')}"
    )
