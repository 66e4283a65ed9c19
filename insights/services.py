"""Insights writes: turning a suggested bundle into a real package of the provider.

The package goes through the normal catalog validation: it is written as a
`cqr-catalog/1` document by `catalog_import`, exactly like an uploaded catalog.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from catalog.models import Course, Package, Provider
from catalog.services import FORMAT_TAG, CatalogImportError, catalog_import, record_names
from core.money import CENT


@transaction.atomic
def package_create_from_courses(
    *,
    provider: Provider,
    course_ids: Sequence[int],
    code: str,
    title: str,
    price: Decimal,
    created_by: str = "",
) -> Package:
    """Create a new package of the provider's own courses through `catalog_import`.

    Raises ValidationError naming the field: a code the provider already uses (an import
    would silently update that package), a course that is not the provider's active
    course, or any rule the catalog import enforces (its messages are passed on).
    """
    code = code.strip()
    wanted = sorted(set(course_ids))
    if not wanted:
        raise ValidationError({"courses": "Choose at least one course for the package."})
    courses = list(
        Course.objects.filter(provider=provider, is_active=True, pk__in=wanted).order_by("code")
    )
    if len(courses) != len(wanted):
        raise ValidationError(
            {"courses": f"Only active courses of {provider.name} can be packaged."}
        )
    if Package.objects.filter(provider=provider, code=code).exists():
        raise ValidationError(
            {"code": f'{provider.name} already has a package with code "{code}"; choose another.'}
        )
    package = {
        "code": code,
        "provider": provider.code,
        "title": title.strip(),
        "price": f"{price.quantize(CENT):.2f}",
        "courses": [course.code for course in courses],
    }
    source = f"insights suggestion {created_by}".strip()
    try:
        catalog_import(document={"format": FORMAT_TAG, "packages": [package]}, source=source)
    except CatalogImportError as exc:
        raise ValidationError(_package_errors(exc, package)) from exc
    return Package.objects.get(provider=provider, code=code)


def _package_errors(exc: CatalogImportError, record: dict[str, Any]) -> dict[str, list[str]]:
    """The import's errors about the package, by its field (`courses[2]` -> courses);
    any other error is about the whole request."""
    names = record_names("packages", 0, record)
    errors: dict[str, list[str]] = {}
    for detail in exc.details:
        if detail.record in names and detail.field:
            errors.setdefault(detail.field_name, []).append(detail.message)
        else:
            errors.setdefault(NON_FIELD_ERRORS, []).append(detail.as_text())
    return errors
