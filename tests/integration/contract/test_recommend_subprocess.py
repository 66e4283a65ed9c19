"""`manage.py recommend --json` as a separate process against a temporary SQLite database.

This is how external suites drive the portal: `migrate`, `import_catalog`, `recommend`.
It also proves that nothing but the document reaches file descriptor 1 (HiGHS writes its
banner straight to the C stdout).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import manage
from tests.integration.contract.catalog_data import CATALOG, INFEASIBLE, prescription


class Portal:
    def __init__(self, database: Path) -> None:
        self.database = database

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        return manage(self.database, *args)

    def recommend(self, document: dict, *args: str) -> subprocess.CompletedProcess[str]:
        path = self.database.with_name("rx.json")
        path.write_text(json.dumps(document))
        return self.manage("recommend", str(path), *args)


@pytest.fixture(scope="module")
def portal(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    database = tmp_path_factory.mktemp("portal") / "db.sqlite3"
    database.write_bytes(migrated_sqlite.read_bytes())
    portal = Portal(database)
    catalog = database.with_name("catalog.json")
    catalog.write_text(json.dumps(CATALOG))
    done = portal.manage("import_catalog", str(catalog), "--skip-checks")
    assert done.returncode == 0, done.stderr
    yield portal


def test_recommend_json_prints_only_the_document(portal: Portal) -> None:
    done = portal.recommend(prescription(hours_per_week="2"), "--json", "--alternatives", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and done.stdout.endswith("}\n"), done.stdout
    document = json.loads(done.stdout)
    assert document["status"] == "optimal"
    assert document["bundles"][0]["price"] == "50.00"
    assert "HiGHS" not in done.stdout


def test_recommend_json_exits_zero_when_infeasible(portal: Portal) -> None:
    done = portal.recommend(INFEASIBLE, "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["status"] == "infeasible"
    assert document["shortfall"][0]["category"] == "Image Formation"


def test_recommend_exits_non_zero_with_a_clear_message_for_invalid_input(portal: Portal) -> None:
    done = portal.recommend(prescription(completed=["x-99"]), "--json")
    assert done.returncode != 0
    assert 'completed[0]: unknown course code "x-99"' in done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads(done.stdout)["status"] == "error"


def test_recommend_on_an_empty_database_says_what_to_run(tmp_path: Path) -> None:
    done = Portal(tmp_path / "db.sqlite3").recommend(prescription(), "--json")
    assert done.returncode != 0
    assert "manage.py migrate" in done.stderr and "Traceback" not in done.stderr
    assert json.loads(done.stdout)["status"] == "error"
