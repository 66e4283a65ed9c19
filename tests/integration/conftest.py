"""Fixtures for tests that run `manage.py` in a subprocess, as acceptance suites do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from filelock import FileLock

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


def manage_env(database: Path) -> dict[str, str]:
    """This process's environment for a `manage.py` subprocess on its own SQLite file (the
    suite's PostgreSQL, settings module and Celery settings left out)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"))
    }
    env["DATABASE_URL"] = f"sqlite:///{database}"
    return env


def manage(database: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, MANAGE, *args],
        cwd=settings.BASE_DIR,
        env=manage_env(database),
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A SQLite file that `manage.py migrate` made in a subprocess, once per run: the xdist
    workers share it (a file lock lets the first one make it; tests only ever copy it)."""
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # each worker's temp dir sits in the run's shared one
        root = root.parent
    path = root / "migrated.sqlite3"
    with FileLock(f"{path}.lock"):
        if not path.is_file():
            making = root / f"migrating-{worker_id}.sqlite3"
            done = manage(making, "migrate", "--noinput", "-v0")
            assert done.returncode == 0, done.stderr
            making.rename(path)  # whole or absent, never half-migrated
    return path


@pytest.fixture
def fresh_sqlite(migrated_sqlite: Path, tmp_path: Path) -> Path:
    """A database as it is right after `migrate`: a copy of `migrated_sqlite` of its own."""
    path = tmp_path / "db.sqlite3"
    shutil.copyfile(migrated_sqlite, path)
    return path
