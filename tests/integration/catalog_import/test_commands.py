"""import_catalog / export_catalog / load_outlines through call_command, and round trips."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import (
    Course,
    CreditDistribution,
    Discipline,
    OutlineVersion,
    Package,
    PackageItem,
    Provider,
)
from tests.integration.catalog_import.conftest import snapshot

pytestmark = pytest.mark.django_db


def write(tmp_path: Path, document: Any, name: str = "catalog.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def export(*args: str) -> str:
    return run("export_catalog", *args)


def wipe_catalog() -> None:
    """Empty every catalog table, outlines included: a fresh database for the round trip."""
    for model in (CreditDistribution, PackageItem, Package, Course, Provider):
        model.objects.all().delete()
    Discipline.objects.all().delete()  # cascades to outlines, majors, subcategories


class TestImportCommand:
    def test_it_prints_a_one_line_summary(self, outlines, catalog, tmp_path) -> None:
        path = write(tmp_path, catalog)
        out = run("import_catalog", path)
        assert out.count("\n") == 1
        assert "courses: 2 created" in out and "packages: 1 created" in out
        assert "(no changes)" in run("import_catalog", path)

    def test_it_loads_the_shipped_outlines_into_an_empty_database(self, catalog, tmp_path) -> None:
        out = run("import_catalog", write(tmp_path, catalog))
        assert "shipped outlines loaded first" in out
        assert OutlineVersion.objects.filter(is_current=True).count() == 13

    def test_an_invalid_record_is_a_command_error_naming_it(
        self, outlines, catalog, tmp_path
    ) -> None:
        catalog["courses"][1]["event_date"] = "2027-13-01"
        before = snapshot()
        with pytest.raises(CommandError) as raised:
            run("import_catalog", write(tmp_path, catalog))
        message = str(raised.value)
        assert "catalog rejected, nothing imported" in message
        assert 'courses[1] (code "ahec-ct-contrast"): event_date: is not a valid date' in message
        assert snapshot() == before

    def test_a_missing_file_is_a_clear_error(self, tmp_path) -> None:
        with pytest.raises(CommandError, match=r"no-such\.json: no such file"):
            run("import_catalog", str(tmp_path / "no-such.json"))

    def test_malformed_json_is_a_clear_error(self, outlines, tmp_path) -> None:
        path = tmp_path / "broken.json"
        path.write_text('{"format": "cqr-catalog/1", "courses": [', encoding="utf-8")
        with pytest.raises(CommandError, match=r"malformed JSON: Expecting value at line 1"):
            run("import_catalog", str(path))
        assert not OutlineVersion.objects.filter(version="x").exists()


class TestExportCommand:
    def test_it_writes_amounts_as_two_place_strings(self, outlines, catalog, tmp_path) -> None:
        run("import_catalog", write(tmp_path, catalog))
        document = json.loads(export())
        assert document["format"] == "cqr-catalog/1"
        dose = next(c for c in document["courses"] if c["code"] == "ahec-ct-dose")
        assert (dose["price"], dose["ce_credits"], dose["hours"]) == ("24.00", "2.00", "2.00")
        assert dose["distribution"][0] == {
            "discipline": "CT",
            "category": "Radiation Safety and Dose",
            "credits": "1.50",
        }
        contrast = next(c for c in document["courses"] if c["code"] == "ahec-ct-contrast")
        assert contrast["price"] is None and contrast["event_date"] == "2027-03-01"
        assert "outlines" not in document

    def test_it_round_trips_into_the_same_database(self, outlines, catalog, tmp_path) -> None:
        run("import_catalog", write(tmp_path, catalog))
        exported = tmp_path / "export.json"
        run("export_catalog", "-o", str(exported))
        assert "(no changes)" in run("import_catalog", str(exported))

    def test_it_round_trips_into_a_fresh_database(self, outlines, catalog, tmp_path) -> None:
        catalog["courses"][0]["distribution"].append(
            {
                "discipline": "M",
                "category": "Mammographic Positioning, Special Needs, and Imaging Procedures",
                "credits": "0.25",
            }
        )
        run("import_catalog", write(tmp_path, catalog))
        first = export("--with-outlines")
        wipe_catalog()
        run("import_catalog", write(tmp_path, json.loads(first), "export.json"))
        assert export("--with-outlines") == first
        assert len(json.loads(first)["outlines"]) == 13

    def test_it_exports_one_provider(self, outlines, catalog, tmp_path) -> None:
        run("import_catalog", write(tmp_path, catalog))
        other = {
            "format": "cqr-catalog/1",
            "providers": [{"code": "gage", "name": "Gage CE"}],
            "courses": [
                {
                    "code": "gage-1",
                    "provider": "gage",
                    "title": "G",
                    "format": "live",
                    "price": 0,
                    "ce_credits": 1,
                }
            ],
        }
        run("import_catalog", write(tmp_path, other, "gage.json"))
        document = json.loads(export("--provider", "gage"))
        assert [p["code"] for p in document["providers"]] == ["gage"]
        assert [c["code"] for c in document["courses"]] == ["gage-1"]
        assert document["packages"] == []
        with pytest.raises(CommandError, match="unknown provider: nobody"):
            export("--provider", "nobody")


class TestErrorOutput:
    """The command prints every error as it always has (contract §5): the details'
    record and field written back into the same text, byte for byte."""

    def test_the_rejection_lists_each_record_and_field_in_file_order(
        self, outlines, catalog, tmp_path
    ) -> None:
        catalog["courses"][0]["price"] = "-1"
        catalog["courses"][0]["distribution"][1]["category"] = "Quantum Imaging"
        catalog["courses"][1] = "not a course"
        catalog["packages"][0]["courses"].append("ahec-nothing")
        path = write(tmp_path, catalog)
        with pytest.raises(CommandError) as raised:
            run("import_catalog", path)
        assert str(raised.value) == (
            f"{path}: catalog rejected, nothing imported:\n"
            '  courses[0] (code "ahec-ct-dose"): price: must not be negative, not "-1"\n'
            '  courses[0] (code "ahec-ct-dose"): distribution[1].category: unknown category'
            ' "Quantum Imaging" for discipline R\n'
            '  courses[1]: must be an object, not "not a course"\n'
            '  packages[0] (code "ahec-ct-pack"): courses[1]: unknown course "ahec-ct-contrast"'
            ' for provider "ahec"\n'
            '  packages[0] (code "ahec-ct-pack"): courses[2]: unknown course "ahec-nothing"'
            ' for provider "ahec"'
        )

    def test_a_text_check_and_a_top_level_field_read_as_paths(
        self, outlines, catalog, tmp_path
    ) -> None:
        catalog["courses"][1]["title"] = "Contrast\u0007"
        with pytest.raises(CommandError) as raised:
            run("import_catalog", write(tmp_path, catalog))
        assert str(raised.value).endswith(
            "\n  courses[1].title: contains a control character (\\u0007), which is not allowed"
        )
        catalog["courses"][1]["title"] = "Contrast"
        catalog["format"] = "cqr-catalog/2"
        with pytest.raises(CommandError) as raised:
            run("import_catalog", write(tmp_path, catalog))
        assert str(raised.value).endswith(
            '\n  format: must be "cqr-catalog/1", not "cqr-catalog/2"'
        )
