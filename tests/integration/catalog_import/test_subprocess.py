"""The contract command as acceptance suites run it: `manage.py import_catalog` in a
subprocess against their own SQLite file given by DATABASE_URL, right after `migrate`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.catalog_import.conftest import BASE_CATALOG
from tests.integration.conftest import manage


@pytest.fixture(scope="module")
def database(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database for the module (the first test's import is the second's)."""
    path = tmp_path_factory.mktemp("contract") / "suite.sqlite3"
    path.write_bytes(migrated_sqlite.read_bytes())
    return path


def test_it_imports_then_changes_nothing_on_a_second_run(database: Path, tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(BASE_CATALOG), encoding="utf-8")
    first = manage(database, "import_catalog", str(path))
    assert first.returncode == 0, first.stderr
    assert "courses: 2 created" in first.stdout
    second = manage(database, "import_catalog", str(path))
    assert second.returncode == 0, second.stderr
    assert "(no changes)" in second.stdout


def test_it_exits_non_zero_with_the_message_and_no_traceback(
    database: Path, tmp_path: Path
) -> None:
    catalog = json.loads(json.dumps(BASE_CATALOG))
    catalog["courses"][0]["ce_credits"] = "-2"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(catalog), encoding="utf-8")
    done = manage(database, "import_catalog", str(path))
    assert done.returncode == 1
    assert 'courses[0] (code "ahec-ct-dose"): ce_credits: must be greater than 0' in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_a_hostile_file_is_refused_with_a_message_not_a_traceback(
    database: Path, tmp_path: Path
) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    done = manage(database, "import_catalog", str(path))
    assert done.returncode == 1
    assert "nested more than 32 levels deep" in done.stderr
    assert "Traceback" not in done.stderr
