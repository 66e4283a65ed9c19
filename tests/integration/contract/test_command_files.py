"""Every command that reads a FILE names it the same way when it cannot (core.command_files):
missing, a directory, or (recommend) not UTF-8."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

COMMANDS = [
    ("import_catalog", "catalog file"),
    ("load_outlines", "outlines file"),
    ("parse_prescription", "prescription file"),
    ("recommend", "prescription file"),
]

pytestmark = pytest.mark.django_db


def message(command: str, path: Path) -> str:
    with pytest.raises(CommandError) as raised:
        call_command(command, str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return str(raised.value)


@pytest.mark.parametrize(("command", "kind"), COMMANDS)
def test_a_missing_file_and_a_directory_are_named(command: str, kind: str, tmp_path: Path) -> None:
    assert message(command, tmp_path / "none.json") == f"{tmp_path / 'none.json'}: no such file"
    assert message(command, tmp_path) == f"{tmp_path}: is a directory, not a {kind}"


def test_recommend_names_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "rx.json"
    path.write_bytes(b'{"format": "\xff"}')
    assert message("recommend", path) == f"{path}: not UTF-8 text (byte 12 cannot be decoded)"
