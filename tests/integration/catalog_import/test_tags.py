"""Course `tags` (contract §1): import, validation, export, the selector, the admin field."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.forms import TagsField
from catalog.models import Course
from catalog.selectors import courses_tagged_q, tags_in_use
from catalog.services import CatalogImportError, catalog_export, catalog_import
from tests.integration.catalog_import.conftest import snapshot

pytestmark = pytest.mark.usefixtures("outlines")


def tags_of(code: str) -> list[str]:
    return list(Course.objects.get(code=code).tags)


def test_tags_are_imported_unique_and_sorted_and_exported(catalog: dict[str, Any]) -> None:
    catalog["courses"][0]["tags"] = ["mammography", "hiv-aids", "mammography"]
    catalog_import(document=catalog)
    assert tags_of("ahec-ct-dose") == ["hiv-aids", "mammography"]
    assert tags_of("ahec-ct-contrast") == []
    exported = {c["code"]: c for c in catalog_export()["courses"]}
    assert exported["ahec-ct-dose"]["tags"] == ["hiv-aids", "mammography"]
    assert exported["ahec-ct-contrast"]["tags"] == []
    # The export imports back without changes.
    again = catalog_import(document={"format": "cqr-catalog/1", **_only_courses(catalog_export())})
    assert again.courses_updated == 0 and again.revision_id is None


def _only_courses(document: dict[str, Any]) -> dict[str, Any]:
    return {"courses": document["courses"], "packages": document.get("packages", [])}


def test_changing_tags_updates_the_course_and_absent_tags_keep_them(
    catalog: dict[str, Any],
) -> None:
    catalog["courses"][0]["tags"] = ["hiv-aids"]
    catalog_import(document=catalog)
    catalog["courses"][0]["tags"] = ["hiv-aids", "human-trafficking"]
    assert catalog_import(document=catalog).courses_updated == 1
    assert tags_of("ahec-ct-dose") == ["hiv-aids", "human-trafficking"]
    del catalog["courses"][0]["tags"]
    assert catalog_import(document=catalog).courses_updated == 0
    assert tags_of("ahec-ct-dose") == ["hiv-aids", "human-trafficking"]
    catalog["courses"][0]["tags"] = []
    catalog_import(document=catalog)
    assert tags_of("ahec-ct-dose") == []


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ("hiv-aids", 'courses[0] (code "ahec-ct-dose"): tags: must be a list'),
        (["HIV-AIDS"], 'courses[0] (code "ahec-ct-dose"): tags[0]: must be lower-case'),
        (["ok", 3], 'courses[0] (code "ahec-ct-dose"): tags[1]: must be a string'),
        ([""], 'courses[0] (code "ahec-ct-dose"): tags[0]: must not be empty'),
        (["hiv aids"], 'courses[0] (code "ahec-ct-dose"): tags[0]: must be lower-case'),
        (["x" * 51], 'courses[0] (code "ahec-ct-dose"): tags[0]: must be at most 50'),
        ([f"t{i}" for i in range(31)], 'courses[0] (code "ahec-ct-dose"): tags: at most 30'),
    ],
)
def test_bad_tags_reject_the_file_naming_record_and_field(
    catalog: dict[str, Any], tags: object, message: str
) -> None:
    before = snapshot()
    catalog["courses"][0]["tags"] = tags
    with pytest.raises(CatalogImportError) as caught:
        catalog_import(document=catalog)
    assert any(e.startswith(message) for e in caught.value.errors), caught.value.errors
    assert snapshot() == before


def test_the_selector_finds_courses_by_exact_tag(catalog: dict[str, Any]) -> None:
    catalog["courses"][0]["tags"] = ["hiv-aids", "mammography-dbt"]
    catalog["courses"][1]["tags"] = ["mammography"]
    catalog_import(document=catalog)
    codes = lambda tags: sorted(  # noqa: E731
        Course.objects.filter(courses_tagged_q(tags)).values_list("code", flat=True)
    )
    assert codes(["mammography"]) == ["ahec-ct-contrast"]  # not mammography-dbt
    assert codes(["hiv-aids", "mammography"]) == ["ahec-ct-contrast", "ahec-ct-dose"]
    assert codes(["hiv"]) == [] and codes([]) == []
    assert tags_in_use(Course.objects.all()) == ["hiv-aids", "mammography", "mammography-dbt"]


def test_the_admin_tags_field_reads_commas_and_semicolons() -> None:
    field = TagsField()
    assert field.clean("mammography, hiv-aids; hiv-aids") == ["hiv-aids", "mammography"]
    assert field.clean("") == []
    assert field.prepare_value(["a", "b"]) == "a, b"
    with pytest.raises(Exception, match="lower-case"):
        field.clean("HIV")
