"""`manage.py recommend --json` as a separate process against a temporary SQLite database.

This is how external suites drive the portal: `migrate`, `import_catalog`, `recommend`.
It also proves that nothing but the document reaches file descriptor 1 (HiGHS writes its
banner straight to the C stdout).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.integration.contract.catalog_data import CATALOG, INFEASIBLE, prescription

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


class Portal:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("CELERY_", "DATABASE_URL"))
        }
        self.env["DATABASE_URL"] = f"sqlite:///{directory / 'db.sqlite3'}"

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, MANAGE, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def recommend(self, document: dict, *args: str) -> subprocess.CompletedProcess[str]:
        path = self.directory / "rx.json"
        path.write_text(json.dumps(document))
        return self.manage("recommend", str(path), *args)


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    portal = Portal(tmp_path_factory.mktemp("portal"))
    catalog = portal.directory / "catalog.json"
    catalog.write_text(json.dumps(CATALOG))
    for args in (("migrate", "--noinput", "-v0"), ("import_catalog", str(catalog))):
        done = portal.manage(*args, "--skip-checks")
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
    done = Portal(tmp_path).recommend(prescription(), "--json")
    assert done.returncode != 0
    assert "manage.py migrate" in done.stderr and "Traceback" not in done.stderr
    assert json.loads(done.stdout)["status"] == "error"
