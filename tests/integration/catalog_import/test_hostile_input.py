"""Hostile catalog files given to `import_catalog`: a clean message naming where (the
command prints it without a traceback), nothing imported."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Course
from tests.integration.catalog_import.conftest import BASE_CATALOG

pytestmark = pytest.mark.django_db


def import_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "catalog.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_catalog", str(path), stdout=StringIO(), stderr=StringIO())
    assert not Course.objects.exists()
    return str(caught.value)


def test_deep_nesting_is_refused_naming_the_path(tmp_path: Path) -> None:
    text = '{"format": "cqr-catalog/1", "courses": [' + "[" * 100_000 + "]" * 100_000 + "]}"
    message = import_file(tmp_path, text)
    assert "courses[0][0][0]" in message
    assert "nested more than 32 levels deep" in message


def test_a_lone_surrogate_is_refused_naming_the_field(tmp_path: Path) -> None:
    text = json.dumps(BASE_CATALOG).replace("CT Dose", "CT \\ud83d Dose", 1)
    message = import_file(tmp_path, text)
    assert "courses[0].title: contains a lone surrogate (\\ud83d)" in message


def test_a_control_character_is_refused_naming_the_field(tmp_path: Path) -> None:
    catalog = json.loads(json.dumps(BASE_CATALOG))
    catalog["providers"][0]["name"] = "Advanced\u0085Health"
    message = import_file(tmp_path, json.dumps(catalog))
    assert "providers[0].name: contains a control character (\\u0085)" in message
