"""load_outlines, outline upserts and subcategory name resolution."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.importers.outlines import OutlineSpec
from catalog.models import Discipline, MajorCategory, OutlineVersion, Subcategory, SubcategoryAlias
from catalog.selectors import discipline_current_outline, subcategory_indexes, subcategory_resolve
from catalog.services import (
    DEFAULT_OUTLINE_VERSION,
    DEFAULT_OUTLINES_FILE,
    OUTLINES_FORMAT_TAG,
    outline_upsert,
    outlines_load_default,
    outlines_load_file,
)

pytestmark = pytest.mark.django_db

SHIPPED = json.loads(DEFAULT_OUTLINES_FILE.read_text(encoding="utf-8"))["outlines"]


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class TestLoadOutlines:
    def test_it_loads_all_13_disciplines_with_every_version_and_subcategory(self) -> None:
        out = StringIO()
        call_command("load_outlines", stdout=out)
        assert f"13 disciplines: {len(SHIPPED)} outlines created" in out.getvalue()
        assert Discipline.objects.count() == 13
        assert OutlineVersion.objects.count() == len(SHIPPED)
        assert OutlineVersion.objects.filter(is_current=True).count() == 13
        for record in SHIPPED:
            outline = OutlineVersion.objects.get(
                discipline__code=record["discipline"], version=record["version"]
            )
            assert outline.effective_from == _day(record["effective_from"])
            assert outline.effective_until == _day(record["effective_until"])
            expected = [(c["major"], c["name"]) for c in record["categories"]]
            stored = list(
                Subcategory.objects.filter(outline=outline)
                .order_by("major__position", "position")
                .values_list("major__name", "name")
            )
            assert stored == expected

    def test_the_lookups_and_the_current_flags_cost_the_same_for_2_or_13_disciplines(
        self,
    ) -> None:
        """Writing a file reads its disciplines and versions once, and sets the current
        version of every discipline in two statements (not per record)."""

        def reads_and_flag_writes(records: list[dict[str, object]]) -> tuple[int, int]:
            OutlineVersion.objects.all().delete()
            Discipline.objects.all().delete()
            raw = json.dumps({"format": OUTLINES_FORMAT_TAG, "outlines": records})
            with CaptureQueriesContext(connection) as queries:
                outlines_load_file(raw=raw)
            sql = [q["sql"] for q in queries.captured_queries]
            lookups = [
                q
                for q in sql
                if q.startswith("SELECT")
                and ('FROM "catalog_discipline"' in q or 'FROM "catalog_outlineversion"' in q)
                and "mapping" not in q
            ]
            flags = [q for q in sql if q.startswith("UPDATE") and '"is_current"' in q]
            return len(lookups), len(flags)

        two = [r for r in SHIPPED if r["discipline"] in {"CT", "R"}]
        assert reads_and_flag_writes(two) == reads_and_flag_writes(SHIPPED)
        assert OutlineVersion.objects.filter(is_current=True).count() == 13

    def test_the_current_version_is_the_one_in_force_today(self) -> None:
        outlines_load_default()
        today = timezone.localdate()
        for code in {record["discipline"] for record in SHIPPED}:
            in_force_today = [
                r
                for r in SHIPPED
                if r["discipline"] == code
                and (_day(r["effective_from"]) or date.min) <= today
                and (_day(r["effective_until"]) or date.max) >= today
            ]
            assert len(in_force_today) == 1, code
            current = discipline_current_outline(code=code)
            assert current is not None and current.version == in_force_today[0]["version"]
        assert discipline_current_outline(code="CT").version == DEFAULT_OUTLINE_VERSION  # type: ignore[union-attr]

    def test_it_keeps_confirmed_source_and_note(self) -> None:
        outlines_load_default()
        ct = OutlineVersion.objects.get(discipline__code="CT")
        bs_new = OutlineVersion.objects.get(discipline__code="BS", version="2026")
        assert ct.confirmed is True and "arrt.org" in ct.source
        assert bs_new.confirmed is False and bs_new.note.startswith("Primary for the changes")
        assert "arrt.org/news/article/2025/11/05" in bs_new.source

    def test_it_is_idempotent(self) -> None:
        outlines_load_default()
        before = list(OutlineVersion.objects.values_list("id", "updated_at"))
        counts = (MajorCategory.objects.count(), Subcategory.objects.count())
        out = StringIO()
        call_command("load_outlines", stdout=out)
        assert f"0 outlines created, 0 updated, {len(SHIPPED)} unchanged" in out.getvalue()
        assert list(OutlineVersion.objects.values_list("id", "updated_at")) == before
        assert (MajorCategory.objects.count(), Subcategory.objects.count()) == counts

    def test_it_leaves_staff_corrections_alone_unless_refreshing(self) -> None:
        outlines_load_default()
        sub = Subcategory.objects.get(outline__discipline__code="CT", name="Image Formation")
        sub.name = "Image Formation and Processing"
        sub.save()
        assert outlines_load_default().unchanged == len(SHIPPED)
        ct_names = Subcategory.objects.filter(outline__discipline__code="CT")
        assert not ct_names.filter(name="Image Formation").exists()
        summary = outlines_load_default(refresh=True)
        assert summary.updated == 1  # CT got its missing name back; nothing deleted
        assert ct_names.filter(name="Image Formation").exists()
        assert ct_names.filter(name="Image Formation and Processing").exists()

    def test_it_loads_aliases_that_resolve_to_the_current_name(self) -> None:
        outlines_load_default()
        alias = SubcategoryAlias.objects.get()
        assert alias.subcategory.name == "Mammographic Positioning and Procedures"
        resolved = subcategory_resolve(
            discipline_code="M",
            name="Mammographic Positioning, Special Needs, and Imaging Procedures",
        )
        # The alias was written for the older version; its target name is also in the
        # version in force, so it resolves there (contract §1: the current version first).
        assert resolved is not None and resolved.outline.is_current
        assert resolved.name == "Mammographic Positioning and Procedures"

    def test_it_does_not_take_currency_from_a_newer_outline(self) -> None:
        outlines_load_default()
        outline_upsert(spec=OutlineSpec("CT", "2025", (("Safety", ("Dose",)),)))
        outlines_load_default()
        assert discipline_current_outline(code="CT").version == "2025"  # type: ignore[union-attr]


class TestResolution:
    @pytest.fixture
    def two_versions(self) -> None:
        outlines_load_default()
        outline_upsert(
            spec=OutlineSpec(
                "CT",
                "2025",
                (("Safety", ("Radiation Safety and Dose", "Dose Optimization")),),
                aliases={"Dose Reduction": "Dose Optimization"},
            )
        )

    def test_a_new_version_becomes_the_only_current_one(self, two_versions: None) -> None:
        versions = dict(
            OutlineVersion.objects.filter(discipline__code="CT").values_list(
                "version", "is_current"
            )
        )
        assert versions == {"2022": False, "2025": True}

    def test_current_names_win_then_aliases_then_older_versions(self, two_versions: None) -> None:
        index = subcategory_indexes(discipline_codes=["CT"])["CT"]
        new = OutlineVersion.objects.get(discipline__code="CT", version="2025")
        old = OutlineVersion.objects.get(discipline__code="CT", version="2022")
        dose_new = Subcategory.objects.get(outline=new, name="Radiation Safety and Dose")
        assert index.resolve("Radiation Safety and Dose") == dose_new.pk
        assert (
            index.resolve("Dose Reduction")
            == Subcategory.objects.get(outline=new, name="Dose Optimization").pk
        )
        assert (
            index.resolve("Neck and Chest")
            == Subcategory.objects.get(outline=old, name="Neck and Chest").pk
        )
        assert index.resolve("Nothing like it") is None

    def test_indexes_cost_three_queries_for_any_number_of_disciplines(
        self, two_versions: None, django_assert_num_queries
    ) -> None:
        with django_assert_num_queries(3):
            indexes = subcategory_indexes()
        assert len(indexes) == 13
        assert indexes["M"].resolve(
            "Mammographic Positioning, Special Needs, and Imaging Procedures"
        ) == indexes["M"].resolve("Mammographic Positioning and Procedures")
