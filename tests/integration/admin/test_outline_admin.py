"""Site staff maintain outline versions in the admin: dates, categories, subcategories
and mappings from the previous version; saving re-plans that discipline."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import CatalogRevision, OutlineVersion, Subcategory, SubcategoryMapping
from tests.integration.admin.conftest import management_form

pytestmark = pytest.mark.django_db

INLINES = ("majors", "subcategories", "aliases", "mappings")


def outline_post(
    outline: OutlineVersion | None = None,
    rows: dict[str, list[dict[str, Any]]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """POST data for the outline version form: its fields and new inline rows."""
    data: dict[str, Any] = {
        "discipline": outline.discipline_id if outline else "",
        "version": outline.version if outline else "",
        "effective_from": outline.effective_from or "" if outline else "",
        "effective_until": "",
        "source": outline.source if outline else "",
        "note": "",
    }
    if outline is not None and outline.confirmed:
        data["confirmed"] = "on"
    for prefix in INLINES:
        existing = list(getattr(outline, prefix).all()) if outline else []
        for i, row in enumerate(existing):
            data[f"{prefix}-{i}-id"] = row.pk
            data[f"{prefix}-{i}-outline"] = outline.pk if outline else ""
            for name in ("name", "position", "major", "alias", "subcategory"):
                if hasattr(row, f"{name}_id"):
                    data[f"{prefix}-{i}-{name}"] = getattr(row, f"{name}_id")
                elif hasattr(row, name):
                    data[f"{prefix}-{i}-{name}"] = getattr(row, name)
            for name in ("from_subcategory", "to_subcategory"):
                if hasattr(row, f"{name}_id"):
                    data[f"{prefix}-{i}-{name}"] = getattr(row, f"{name}_id")
        new = (rows or {}).get(prefix, [])
        for j, row in enumerate(new):
            for name, value in row.items():
                data[f"{prefix}-{len(existing) + j}-{name}"] = value
        data.update(management_form(prefix, total=len(existing) + len(new), initial=len(existing)))
    data.update(fields)
    return data


@pytest.fixture
def admin_client(client: Client, superuser: Any) -> Client:
    client.force_login(superuser)
    return client


def test_staff_add_a_dated_version_with_subcategories_and_mappings(
    admin_client: Client, ct_outline: OutlineVersion
) -> None:
    assert admin_client.get(reverse("admin:catalog_outlineversion_add")).status_code == 200
    data = outline_post(
        rows={"majors": [{"name": "Safety", "position": 0}]},
        discipline=ct_outline.discipline_id,
        version="2026",
        effective_from="2026-01-01",
        source="https://www.arrt.org/example",
    )
    response = admin_client.post(reverse("admin:catalog_outlineversion_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    new = OutlineVersion.objects.get(discipline=ct_outline.discipline, version="2026")
    assert new.is_current  # dated and in force: it outranks the undated 2022 version
    ct_outline.refresh_from_db()
    assert not ct_outline.is_current

    url = reverse("admin:catalog_outlineversion_change", args=[new.pk])
    page = admin_client.get(url).content.decode()
    assert "mappings from the previous version" in page.lower()
    safety = new.majors.get()
    data = outline_post(
        new, rows={"subcategories": [{"major": safety.pk, "name": "Dose", "position": 0}]}
    )
    assert admin_client.post(url, data).status_code == 302
    old_dose = ct_outline.subcategories.get(name="Radiation Safety and Dose")
    dose = Subcategory.objects.get(outline=new, name="Dose")
    data = outline_post(
        new, rows={"mappings": [{"from_subcategory": old_dose.pk, "to_subcategory": dose.pk}]}
    )
    before = CatalogRevision.objects.count()
    assert admin_client.post(url, data).status_code == 302
    mapping = SubcategoryMapping.objects.get()
    assert (mapping.outline, mapping.from_subcategory, mapping.to_subcategory) == (
        new,
        old_dose,
        dose,
    )
    revision = CatalogRevision.objects.order_by("-id").first()
    assert CatalogRevision.objects.count() == before + 1 and revision is not None
    assert list(revision.disciplines.values_list("code", flat=True)) == ["CT"]


def test_a_mapping_must_come_from_the_previous_version(
    admin_client: Client, ct_outline: OutlineVersion
) -> None:
    new = OutlineVersion.objects.create(
        discipline=ct_outline.discipline, version="2026", is_current=False
    )
    major = new.majors.create(name="Safety")
    dose = new.subcategories.create(major=major, name="Dose")
    url = reverse("admin:catalog_outlineversion_change", args=[new.pk])
    data = outline_post(
        new, rows={"mappings": [{"from_subcategory": dose.pk, "to_subcategory": dose.pk}]}
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not SubcategoryMapping.objects.exists()


def test_an_end_before_the_start_is_refused(
    admin_client: Client, ct_outline: OutlineVersion
) -> None:
    url = reverse("admin:catalog_outlineversion_change", args=[ct_outline.pk])
    data = outline_post(ct_outline, effective_from="2026-09-01", effective_until="2026-01-01")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "is before the first (2026-09-01)" in response.content.decode()
