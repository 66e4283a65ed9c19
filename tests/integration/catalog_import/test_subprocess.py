"""The contract command as acceptance suites run it: `manage.py import_catalog` in a
subprocess against their own SQLite file given by DATABASE_URL (migrated once here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.catalog_import.conftest import BASE_CATALOG

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("contract")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'suite.sqlite3'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage("migrate", "--noinput", "-v0", env=env, check=True)
    return env


def manage(
    *args: str, env: dict[str, str], check: bool = False
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


def test_it_imports_then_changes_nothing_on_a_second_run(database, tmp_path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(BASE_CATALOG), encoding="utf-8")
    first = manage("import_catalog", str(path), env=database)
    assert first.returncode == 0, first.stderr
    assert "courses: 2 created" in first.stdout
    second = manage("import_catalog", str(path), env=database)
    assert second.returncode == 0, second.stderr
    assert "(no changes)" in second.stdout


def test_it_exits_non_zero_with_the_message_and_no_traceback(database, tmp_path) -> None:
    catalog = json.loads(json.dumps(BASE_CATALOG))
    catalog["courses"][0]["ce_credits"] = "-2"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(catalog), encoding="utf-8")
    done = manage("import_catalog", str(path), env=database)
    assert done.returncode == 1
    assert 'courses[0] (code "ahec-ct-dose"): ce_credits: must be greater than 0' in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_a_hostile_file_is_refused_with_a_message_not_a_traceback(database, tmp_path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    done = manage("import_catalog", str(path), env=database)
    assert done.returncode == 1
    assert "nested more than 32 levels deep" in done.stderr
    assert "Traceback" not in done.stderr
