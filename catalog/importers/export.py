"""Export of the stored catalog as a `cqr-catalog/1` document (the import's inverse).

Amounts are decimal strings with two places ("24.00"), records are sorted by provider and
code, so exporting, importing into another database and exporting again gives the same
document. A fixed number of queries, whatever the catalog's size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from catalog.importers.catalog_v1 import FORMAT_TAG
from catalog.models import (
    Course,
    CreditDistribution,
    OutlineVersion,
    Package,
    PackageItem,
    Provider,
    Subcategory,
    SubcategoryAlias,
)
from core.money import CENT


def amount_text(value: Decimal | None) -> str | None:
    """Contract text for an amount ("24.00"); None stays None."""
    return None if value is None else f"{value.quantize(CENT):.2f}"


def date_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def export_document(
    *, provider_codes: Iterable[str] | None = None, with_outlines: bool = False
) -> dict[str, Any]:
    """The catalog (all providers, or those in `provider_codes`) as a catalog document."""
    providers = Provider.objects.order_by("code")
    if provider_codes is not None:
        providers = providers.filter(code__in=sorted(set(provider_codes)))
    document: dict[str, Any] = {"format": FORMAT_TAG}
    if with_outlines:
        document["outlines"] = export_outlines()
    document["providers"] = [
        {"code": code, "name": name, "url": url}
        for code, name, url in providers.values_list("code", "name", "url")
    ]
    document["courses"] = _export_courses(Course.objects.filter(provider__in=providers))
    document["packages"] = _export_packages(Package.objects.filter(provider__in=providers))
    return document


def export_outlines() -> list[dict[str, Any]]:
    """Every discipline's current outline, majors and subcategories in outline order."""
    outlines = list(
        OutlineVersion.objects.filter(is_current=True)
        .select_related("discipline")
        .order_by("discipline__code")
    )
    categories: dict[int, list[dict[str, str]]] = defaultdict(list)
    subs = Subcategory.objects.filter(outline__in=outlines).order_by(
        "outline_id", "major__position", "major__name", "position", "name"
    )
    for outline_id, major, name in subs.values_list("outline_id", "major__name", "name"):
        categories[outline_id].append({"major": major, "name": name})
    aliases: dict[int, dict[str, str]] = defaultdict(dict)
    alias_rows = SubcategoryAlias.objects.filter(outline__in=outlines).order_by("alias")
    for outline_id, alias, target in alias_rows.values_list(
        "outline_id", "alias", "subcategory__name"
    ):
        aliases[outline_id][alias] = target
    return [
        {
            "discipline": outline.discipline.code,
            "name": outline.discipline.name,
            "version": outline.version,
            "source": outline.source,
            "confirmed": outline.confirmed,
            "note": outline.note,
            "categories": categories[outline.pk],
            "aliases": aliases[outline.pk],
        }
        for outline in outlines
    ]


def _export_courses(courses: QuerySet[Course]) -> list[dict[str, Any]]:
    distribution: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = (
        CreditDistribution.objects.filter(course__in=courses)
        .order_by(
            "course_id",
            "subcategory__outline__discipline__code",
            "subcategory__major__position",
            "subcategory__position",
            "subcategory__name",
        )
        .values_list(
            "course_id", "subcategory__outline__discipline__code", "subcategory__name", "credits"
        )
    )
    for course_id, discipline, category, credits in rows:
        distribution[course_id].append(
            {"discipline": discipline, "category": category, "credits": amount_text(credits)}
        )
    fields = (
        "id", "code", "provider__code", "title", "format", "price", "ce_credits", "hours",
        "approval_expires", "event_date", "url", "arrt_activity_id", "cqr_eligible", "is_active",
        "tags",
    )  # fmt: skip
    return [
        {
            "code": row["code"],
            "provider": row["provider__code"],
            "title": row["title"],
            "format": row["format"],
            "price": amount_text(row["price"]),
            "ce_credits": amount_text(row["ce_credits"]),
            "hours": amount_text(row["hours"]),
            "approval_expires": date_text(row["approval_expires"]),
            "event_date": date_text(row["event_date"]),
            "url": row["url"],
            "arrt_activity_id": row["arrt_activity_id"],
            "cqr_eligible": row["cqr_eligible"],
            "is_active": row["is_active"],
            "tags": list(row["tags"] or []),
            "distribution": distribution[row["id"]],
        }
        for row in courses.order_by("provider__code", "code").values(*fields)
    ]


def _export_packages(packages: QuerySet[Package]) -> list[dict[str, Any]]:
    members: dict[int, list[str]] = defaultdict(list)
    items = PackageItem.objects.filter(package__in=packages).order_by("package_id", "course__code")
    for package_id, code in items.values_list("package_id", "course__code"):
        members[package_id].append(code)
    rows = packages.order_by("provider__code", "code").values(
        "id", "code", "provider__code", "title", "price", "is_active"
    )
    return [
        {
            "code": row["code"],
            "provider": row["provider__code"],
            "title": row["title"],
            "price": amount_text(row["price"]),
            "is_active": row["is_active"],
            "courses": members[row["id"]],
        }
        for row in rows
    ]
