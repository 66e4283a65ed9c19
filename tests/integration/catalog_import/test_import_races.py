"""Two imports of one provider's catalog at once: the second waits for the first (a
PostgreSQL advisory lock per provider), then finds its rows; waiting too long fails with
a plain message. Nothing raises a raw IntegrityError."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from catalog.models import Course
from catalog.services import CatalogImportError, catalog_import
from tests.concurrency import (
    HeldTransaction,
    InThread,
    require_postgresql,
    wait_until_a_session_waits_for_a_lock,
)
from tests.integration.catalog_import.conftest import BASE_CATALOG

pytestmark = pytest.mark.django_db(transaction=True)


def document() -> dict[str, Any]:
    return copy.deepcopy(BASE_CATALOG)


def test_a_second_import_of_the_same_file_waits_and_then_changes_nothing(outlines) -> None:
    require_postgresql()
    held = HeldTransaction(lambda: catalog_import(document=document(), source="first"))
    second = InThread(lambda: catalog_import(document=document(), source="second"))
    wait_until_a_session_waits_for_a_lock()
    first = held.finish()
    second.join()
    assert second.error is None, second.error
    assert first.courses_created == len(BASE_CATALOG["courses"])
    assert second.result.courses_created == 0
    assert second.result.courses_unchanged == len(BASE_CATALOG["courses"])
    assert Course.objects.count() == len(BASE_CATALOG["courses"])


def test_an_import_that_waits_too_long_fails_with_a_plain_message(outlines, settings) -> None:
    require_postgresql()
    settings.CQR_CATALOG_IMPORT_LOCK_WAIT = 0.05
    held = HeldTransaction(lambda: catalog_import(document=document(), source="first"))
    try:
        with pytest.raises(CatalogImportError) as caught:
            catalog_import(document=document(), source="second")
    finally:
        held.finish()
    assert caught.value.errors == [
        "another import of the catalog of ahec is still running; nothing was imported: "
        "try again when it has finished"
    ]
    assert Course.objects.count() == len(BASE_CATALOG["courses"])  # the first one's


def test_imports_of_different_providers_do_not_wait_for_each_other(outlines, settings) -> None:
    require_postgresql()
    settings.CQR_CATALOG_IMPORT_LOCK_WAIT = 0.05
    other = document()
    other["providers"] = [{"code": "gage", "name": "Gage CE", "url": "https://gage.example"}]
    for course in other["courses"]:
        course["provider"] = "gage"
    for package in other.get("packages", []):
        package["provider"] = "gage"
    held = HeldTransaction(lambda: catalog_import(document=document(), source="first"))
    try:
        summary = catalog_import(document=other, source="other provider")
    finally:
        held.finish()
    assert summary.courses_created == len(other["courses"])
