"""Outline versions as data: the in-force rule, the `outlines` objects' dates and
mappings (catalog import and `load_outlines FILE`), the shipped cqr-outlines/1 file."""

from __future__ import annotations

import copy
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from django.core.management import CommandError, call_command

from catalog.models import CatalogRevision, OutlineVersion, Subcategory, SubcategoryMapping
from catalog.outline_dates import in_force
from catalog.services import (
    DEFAULT_OUTLINES_FILE,
    CatalogImportError,
    catalog_import,
    outlines_load_default,
)
from tests.integration.contract.outline_versions_data import NEW_OUTLINE, OLD_OUTLINE

pytestmark = pytest.mark.django_db


class V(NamedTuple):
    version: str
    effective_from: date | None = None
    effective_until: date | None = None
    adopted_at: datetime | None = None
    pk: int = 0


class TestInForce:
    def test_the_latest_start_on_or_before_the_day_wins(self) -> None:
        a, b = V("a", date(2022, 1, 1)), V("b", date(2026, 9, 1))
        assert in_force([b, a], date(2026, 8, 31)) == a
        assert in_force([b, a], date(2026, 9, 1)) == b

    def test_an_ended_version_no_longer_covers(self) -> None:
        a = V("a", date(2022, 1, 1), date(2024, 12, 31))
        undated = V("legacy")
        assert in_force([a, undated], date(2024, 12, 31)) == a
        assert in_force([a, undated], date(2025, 1, 1)) == undated

    def test_undated_versions_come_first_and_the_adopted_one_wins_among_them(self) -> None:
        shipped = V("2022")
        imported = V("2021", adopted_at=datetime(2026, 1, 1, tzinfo=UTC))
        dated = V("2026", date(2026, 9, 1))
        assert in_force([shipped, imported], date(2026, 1, 1)) == imported
        assert in_force([shipped, imported, dated], date(2026, 10, 1)) == dated

    def test_before_every_version_the_first_is_used(self) -> None:
        a, b = V("a", date(2022, 1, 1)), V("b", date(2026, 9, 1))
        assert in_force([a, b], date(2000, 1, 1)) == a


def outlines_catalog(*outlines: dict[str, Any]) -> dict[str, Any]:
    return {"format": "cqr-catalog/1", "outlines": [copy.deepcopy(o) for o in outlines]}


def rejected(document: dict[str, Any]) -> list[str]:
    with pytest.raises(CatalogImportError) as caught:
        catalog_import(document=document)
    assert not OutlineVersion.objects.filter(discipline__code="BS").exists()
    return caught.value.errors


LABEL_NEW = 'outlines[1] (discipline "BS", version "2026")'


class TestCatalogOutlinesSection:
    def test_a_mapping_from_a_name_the_previous_version_lacks(self) -> None:
        new = copy.deepcopy(NEW_OUTLINE)
        new["mappings"][0]["from"] = "Patient Safety"
        assert rejected(outlines_catalog(OLD_OUTLINE, new)) == [
            f'{LABEL_NEW}: mappings[0].from: "Patient Safety" is not a subcategory of the '
            'previous version "2022" of discipline BS'
        ]

    def test_a_mapping_to_a_name_this_version_lacks(self) -> None:
        new = copy.deepcopy(NEW_OUTLINE)
        new["mappings"][1]["to"] = ["Diagnostic Breast Procedures", "Biopsy"]
        assert rejected(outlines_catalog(OLD_OUTLINE, new)) == [
            f'{LABEL_NEW}: mappings[1].to[1]: must name a subcategory of this outline, not "Biopsy"'
        ]

    def test_mappings_without_a_previous_version(self) -> None:
        assert rejected(outlines_catalog(NEW_OUTLINE)) == [
            'outlines[0] (discipline "BS", version "2026"): mappings: there is no previous '
            "version of discipline BS to map from"
        ]

    def test_bad_dates(self) -> None:
        old = dict(OLD_OUTLINE, effective_from="2022-13-01")
        new = dict(NEW_OUTLINE, effective_until="2026-01-01")
        assert rejected(outlines_catalog(old, new)) == [
            'outlines[0] (discipline "BS", version "2022"): effective_from: is not a valid '
            'date: "2022-13-01"',
            f"{LABEL_NEW}: effective_until: 2026-01-01 is before effective_from 2026-09-01",
        ]

    def test_the_same_version_twice(self) -> None:
        assert rejected(outlines_catalog(OLD_OUTLINE, OLD_OUTLINE)) == [
            'outlines[1] (discipline "BS", version "2022"): version: a second outline for this '
            "discipline and version (also outlines[0])"
        ]

    def test_restating_the_mappings_replaces_them(self) -> None:
        catalog_import(document=outlines_catalog(OLD_OUTLINE, NEW_OUTLINE))
        new = copy.deepcopy(NEW_OUTLINE)
        new["mappings"] = new["mappings"][:1]
        summary = catalog_import(document=outlines_catalog(OLD_OUTLINE, new))
        assert summary.outlines_updated == 1
        assert SubcategoryMapping.objects.count() == 1

    def test_an_undated_import_becomes_current_over_a_dated_version(self) -> None:
        catalog_import(document=outlines_catalog(OLD_OUTLINE, NEW_OUTLINE))
        undated = {
            "discipline": "BS",
            "version": "acceptance",
            "categories": [{"major": "Safety", "name": "Everything"}],
        }
        catalog_import(document=outlines_catalog(undated))
        current = OutlineVersion.objects.get(discipline__code="BS", is_current=True)
        assert current.version == "acceptance"
        assert not catalog_import(document=outlines_catalog(undated)).changed


def write(tmp_path: Path, document: Any) -> str:
    path = tmp_path / "outlines.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_outlines", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


class TestLoadOutlinesFile:
    def test_the_shipped_file_is_in_the_outlines_format(self) -> None:
        document = json.loads(DEFAULT_OUTLINES_FILE.read_text(encoding="utf-8"))
        assert document["format"] == "cqr-outlines/1"
        assert len({o["discipline"] for o in document["outlines"]}) == 13
        for outline in document["outlines"]:
            assert {
                "discipline",
                "name",
                "version",
                "effective_from",
                "source",
                "confirmed",
            } <= set(outline)
            assert all(set(c) == {"major", "name"} for c in outline["categories"])

    def test_it_loads_a_file_with_two_versions_and_their_mappings(self, tmp_path: Path) -> None:
        outlines_load_default()
        document = {"format": "cqr-outlines/1", "outlines": [OLD_OUTLINE, NEW_OUTLINE]}
        output = load(write(tmp_path, document))
        assert "outlines created" in output
        current = OutlineVersion.objects.get(discipline__code="BS", is_current=True)
        assert current.version == "2026"
        assert SubcategoryMapping.objects.filter(to_subcategory__outline=current).count() == 5
        revision = CatalogRevision.objects.order_by("-id").first()
        assert revision is not None
        assert list(revision.disciplines.values_list("code", flat=True)) == ["BS"]
        assert "0 outlines created, 0 updated, 2 unchanged" in load(write(tmp_path, document))

    def test_an_invalid_file_is_rejected_whole_naming_record_and_field(
        self, tmp_path: Path
    ) -> None:
        bad = dict(NEW_OUTLINE, confirmed="yes")
        document = {"format": "cqr-outlines/1", "outlines": [OLD_OUTLINE, bad]}
        with pytest.raises(CommandError) as caught:
            load(write(tmp_path, document))
        assert f"{LABEL_NEW}: confirmed: must be true or false" in str(caught.value)
        assert not OutlineVersion.objects.filter(discipline__code="BS").exists()

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            ("{not json", "malformed JSON"),
            ({"format": "cqr-catalog/1", "outlines": []}, 'format: must be "cqr-outlines/1"'),
            ({"format": "cqr-outlines/1", "outlines": []}, "outlines: must be a non-empty list"),
        ],
    )
    def test_a_bad_file(self, tmp_path: Path, content: Any, message: str) -> None:
        with pytest.raises(CommandError, match=message):
            load(write(tmp_path, content))

    def test_a_new_version_of_a_discipline_marks_its_runs_only(self, tmp_path: Path) -> None:
        outlines_load_default()
        before = CatalogRevision.objects.count()
        new = dict(NEW_OUTLINE, mappings=[])
        new["categories"] = [{"major": "Safety", "name": "Breast Safety"}]
        load(write(tmp_path, {"format": "cqr-outlines/1", "outlines": [new]}))
        revision = CatalogRevision.objects.order_by("-id").first()
        assert CatalogRevision.objects.count() == before + 1 and revision is not None
        assert list(revision.disciplines.values_list("code", flat=True)) == ["BS"]
        assert Subcategory.objects.filter(outline__version="2026", name="Breast Safety").exists()
