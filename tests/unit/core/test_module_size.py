"""No module outside migrations and tests grows past 600 lines: split it along its seams."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LIMIT = 600
SKIPPED = {".venv", ".git", "node_modules", "staticfiles", "tests", "migrations"}


def test_no_module_is_over_600_lines() -> None:
    modules = [
        path
        for path in ROOT.rglob("*.py")
        if not SKIPPED.intersection(path.relative_to(ROOT).parts)
    ]
    assert len(modules) > 100  # the walk found the project
    long = {
        str(path.relative_to(ROOT)): lines
        for path in modules
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert long == {}
