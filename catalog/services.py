"""Catalog writes: content outlines, the `cqr-catalog/1` import/export, provider staff access.

The machinery lives in `catalog/importers/`; these functions are the entry points that
commands, views, the admin and tasks call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from catalog.importers.catalog_v1 import (
    FORMAT_TAG,
    CatalogImportError,
    ImportSummary,
    import_document,
    parse_catalog_json,
)
from catalog.importers.export import export_document
from catalog.importers.outline_section import OutlineSection
from catalog.importers.outlines import OutlineSpec, OutlineStatus, outline_write, refresh_current
from catalog.importers.records import record_names
from catalog.importers.values import ErrorList, show
from catalog.models import CatalogRevision, Discipline, OutlineVersion, Provider
from catalog.signals import catalog_revised
from core.db_locks import LockTimeout, advisory_xact_lock
from core.exceptions import ErrorDetail
from core.jsontext import text_problem

__all__ = [
    "DEFAULT_OUTLINES_FILE",
    "DEFAULT_OUTLINE_VERSION",
    "FORMAT_TAG",
    "OUTLINES_FORMAT_TAG",
    "CatalogImportError",
    "ImportSummary",
    "OutlineSpec",
    "OutlinesLoadSummary",
    "catalog_export",
    "catalog_import",
    "catalog_parse",
    "catalog_provider_codes",
    "catalog_record_change",
    "outline_record_edit",
    "outline_upsert",
    "outlines_ensure_default",
    "outlines_load_default",
    "outlines_load_file",
    "outlines_refresh_current",
    "record_names",
]

DEFAULT_OUTLINES_FILE = Path(__file__).resolve().parent / "data" / "arrt_outlines.json"
OUTLINES_FORMAT_TAG = "cqr-outlines/1"
DEFAULT_OUTLINE_VERSION = "2022"
"""The version label of the shipped outlines converted from the first data file, whose
names follow the ARRT content specifications in force for the 2022 CQR cycle (CT's list
is ARRT's own targeted-CE example)."""


@dataclass
class OutlinesLoadSummary:
    disciplines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    revision_id: int | None = None

    def describe(self) -> str:
        text = (
            f"{self.disciplines} disciplines: {self.created} outlines created, "
            f"{self.updated} updated, {self.unchanged} unchanged"
        )
        if self.revision_id is not None:
            text += f" (catalog revision {self.revision_id})"
        return text


def _read_outlines_file(raw: bytes | str) -> list[Any]:
    """The `outlines` list of a `cqr-outlines/1` document; CatalogImportError if the top
    level is wrong (the records are checked by `OutlineSection`)."""
    document = parse_catalog_json(raw)
    problem = text_problem(document)
    if problem:
        raise CatalogImportError([ErrorDetail.at_path(*problem)])
    tag = document.get("format")
    if tag != OUTLINES_FORMAT_TAG:
        raise CatalogImportError(
            [ErrorDetail("", "format", f'must be "{OUTLINES_FORMAT_TAG}", not {show(tag)}')]
        )
    records = document.get("outlines")
    if not isinstance(records, list) or not records:
        raise CatalogImportError(
            [ErrorDetail("", "outlines", f"must be a non-empty list, not {show(records)}")]
        )
    return records


def _load_outlines(
    records: list[Any], *, prune: bool, reason: str, skip_existing: bool = False
) -> OutlinesLoadSummary:
    summary = OutlinesLoadSummary(
        disciplines=len({r.get("discipline") for r in records if isinstance(r, dict)})
    )
    if skip_existing:
        existing = set(OutlineVersion.objects.values_list("discipline__code", "version"))
        kept = [
            r
            for r in records
            if not (isinstance(r, dict) and (r.get("discipline"), r.get("version")) in existing)
        ]
        summary.unchanged = len(records) - len(kept)
        records = kept
    had_outline = set(OutlineVersion.objects.values_list("discipline_id", flat=True))
    errors = ErrorList()
    section = OutlineSection(records, errors=errors, rank=0, adopt=False, prune=prune)
    section.read()
    section.write()
    if errors:
        raise CatalogImportError(errors.details())
    summary.created = section.created
    summary.updated = section.updated
    summary.unchanged += section.unchanged
    # A discipline's first outline affects no run; a new or changed version of one that
    # had an outline re-plans its prescriptions.
    affected = section.changed_disciplines & had_outline
    if affected:
        summary.revision_id = catalog_record_change(reason=reason, discipline_ids=affected).pk
    return summary


@transaction.atomic
def outlines_load_default(
    *, refresh: bool = False, path: Path | None = None
) -> OutlinesLoadSummary:
    """Load every outline version of the shipped file (idempotent).

    A version that already exists is left alone (site staff may have corrected it in the
    admin) unless `refresh`, which adds the file's missing names, aliases, dates and notes
    (never deletes). Which version is current follows from the dates; an undated shipped
    version never displaces one that a catalog import made current.
    """
    records = _read_outlines_file((path or DEFAULT_OUTLINES_FILE).read_bytes())
    return _load_outlines(
        records, prune=False, reason="shipped outlines", skip_existing=not refresh
    )


@transaction.atomic
def outlines_load_file(*, raw: bytes | str, source: str = "") -> OutlinesLoadSummary:
    """Load a `cqr-outlines/1` file, validated whole: any invalid record rejects it with
    CatalogImportError naming record and field, and nothing is written. Each version in
    the file is stated whole (names it no longer lists are dropped when unused)."""
    return _load_outlines(
        _read_outlines_file(raw), prune=True, reason=f"outlines file {source}".strip()
    )


def outlines_ensure_default() -> bool:
    """Load the shipped outlines into a database that has no outline at all.

    The contract commands may run right after `migrate` (acceptance suites do); catalogs
    then name the shipped disciplines and categories. True when it loaded them.
    """
    if OutlineVersion.objects.exists():
        return False
    outlines_load_default()
    return True


@transaction.atomic
def outline_upsert(*, spec: OutlineSpec, make_current: bool = True) -> OutlineStatus:
    """Create or update one outline version. With `make_current` an undated version
    becomes the discipline's current outline (the previous one is kept as an older
    version); a dated one is current while in force."""
    status, outline = outline_write(spec, adopt=make_current)
    changed = refresh_current(discipline_ids=[outline.discipline_id])
    if status != "unchanged" or changed:
        catalog_record_change(
            reason=f"outline {spec.discipline_code} {spec.version}",
            discipline_ids={outline.discipline_id},
        )
    return status


@transaction.atomic
def outline_record_edit(*, outline: OutlineVersion, reason: str) -> CatalogRevision:
    """Site staff changed an outline version (admin): recompute which version is current
    and record a catalog revision naming the discipline, so its runs are re-planned."""
    refresh_current(discipline_ids=[outline.discipline_id])
    return catalog_record_change(reason=reason, discipline_ids=[outline.discipline_id])


def outlines_refresh_current(*, discipline_ids: Iterable[int] | None = None) -> set[int]:
    """Make each discipline's current outline the one in force today; when that changed
    (a version's start date came), record a catalog revision so affected runs re-plan.
    Called after outline edits in the admin and daily by the worker."""
    with transaction.atomic():
        changed = refresh_current(discipline_ids=discipline_ids)
        if changed:
            catalog_record_change(reason="outline in force changed", discipline_ids=changed)
    return changed


def catalog_parse(raw: bytes | str) -> dict[str, Any]:
    """Decode a catalog file (numbers as exact Decimals); CatalogImportError if malformed."""
    return parse_catalog_json(raw)


@transaction.atomic
def catalog_import(*, document: dict[str, Any], source: str = "") -> ImportSummary:
    """Upsert a `cqr-catalog/1` document by (provider, code), all or nothing.

    Every record is validated before anything is written; any invalid record rejects the
    whole document with CatalogImportError, whose `errors` name each record by code and
    field. Unchanged records are not rewritten, so a second import changes nothing. When
    something changed, a CatalogRevision is recorded and matching is told about it.
    Imports naming the same provider run one after the other (_lock_providers).
    """
    _lock_providers(document)
    try:
        summary, provider_ids = import_document(document=document)
    except IntegrityError as exc:
        raise CatalogImportError(
            [
                ErrorDetail(
                    "",
                    "",
                    "the catalog changed while this import ran (another import or an edit); "
                    "nothing was imported: run it again",
                )
            ]
        ) from exc
    if summary.changed:
        reason = f"catalog import {source}".strip()
        # Outlines changed: any prescription of those disciplines may read differently,
        # so the change is not limited to the courses and packages written.
        outlines_changed = summary.outlines_created or summary.outlines_updated
        revision = catalog_record_change(
            reason=reason,
            provider_ids=provider_ids,
            discipline_ids=summary.outline_disciplines,
            course_ids=None if outlines_changed else summary.changed_course_ids,
            package_ids=None if outlines_changed else summary.changed_package_ids,
        )
        summary.revision_id = revision.pk
    return summary


def _lock_providers(document: dict[str, Any]) -> None:
    """Imports naming the same provider (or changing outlines) run one after the other:
    the second waits for the first (up to CQR_CATALOG_IMPORT_LOCK_WAIT seconds) and then
    sees its rows, instead of both inserting the same courses."""
    names = {f"provider:{code}" for code in catalog_provider_codes(document)}
    if document.get("outlines"):
        names.add("outlines")
    try:
        advisory_xact_lock(
            "catalog-import", names, timeout_seconds=settings.CQR_CATALOG_IMPORT_LOCK_WAIT
        )
    except LockTimeout as exc:
        codes = ", ".join(sorted(n.removeprefix("provider:") for n in names))
        raise CatalogImportError(
            [
                ErrorDetail(
                    "",
                    "",
                    f"another import of the catalog of {codes} is still running; nothing was "
                    "imported: try again when it has finished",
                )
            ]
        ) from exc


def catalog_provider_codes(document: dict[str, Any]) -> set[str]:
    """The provider codes a catalog document names (providers, courses, packages)."""
    named: set[str] = set()
    for section, key in (("providers", "code"), ("courses", "provider"), ("packages", "provider")):
        records = document.get(section)
        if isinstance(records, list):
            named |= {
                r[key] for r in records if isinstance(r, dict) and isinstance(r.get(key), str)
            }
    return named


def catalog_record_change(
    *,
    reason: str,
    providers: Iterable[Provider] = (),
    provider_ids: Iterable[int] = (),
    disciplines: Iterable[Discipline] = (),
    discipline_ids: Iterable[int] = (),
    course_ids: Iterable[int] | None = None,
    package_ids: Iterable[int] | None = None,
) -> CatalogRevision:
    """Record that the catalog changed (import, admin edit, outline version) and tell
    matching about it.

    Call it inside the transaction that made the change. `providers`: whose courses or
    packages changed; `disciplines`: whose outline changed (a new version, or another
    version in force). Runs computed on an older revision become stale through
    matching's hook. `course_ids`/`package_ids` name every course and package the change
    wrote (created, edited, retired), in their new state: matching then re-plans only the
    prescriptions those could change. Leave them None when the change is not limited to
    them (outlines): every run of the providers' (and the outlines') disciplines is then
    stale.
    """
    revision = CatalogRevision.objects.create(reason=reason[:200])
    ids = {p.pk for p in providers} | set(provider_ids)
    if ids:
        revision.providers.set(sorted(ids))
    outline_ids = {d.pk for d in disciplines} | set(discipline_ids)
    if outline_ids:
        revision.disciplines.set(sorted(outline_ids))
    known = course_ids is not None or package_ids is not None
    catalog_revised.send(
        sender=CatalogRevision,
        revision=revision,
        course_ids=frozenset(course_ids or ()) if known else None,
        package_ids=frozenset(package_ids or ()) if known else None,
    )
    return revision


def catalog_export(
    *, provider_codes: list[str] | None = None, with_outlines: bool = False
) -> dict[str, Any]:
    """The stored catalog as a `cqr-catalog/1` document (decimal strings, sorted records)."""
    return export_document(provider_codes=provider_codes, with_outlines=with_outlines)


# --- Provider staff: admin access and the catalog permissions they need ---------------------

PROVIDER_STAFF_GROUP = "Provider staff"
PROVIDER_STAFF_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "course": ("add", "change", "delete", "view"),
    "creditdistribution": ("add", "change", "delete", "view"),
    "package": ("add", "change", "delete", "view"),
    "packageitem": ("add", "change", "delete", "view"),
    "discipline": ("view",),
    "subcategory": ("view",),
}


def provider_staff_group_ensure() -> Group:
    """The "Provider staff" group with exactly the catalog permissions staff need."""
    codenames = [
        f"{action}_{model}"
        for model, actions in PROVIDER_STAFF_PERMISSIONS.items()
        for action in actions
    ]
    permissions = list(
        Permission.objects.filter(content_type__app_label="catalog", codename__in=codenames)
    )
    missing = sorted(set(codenames) - {p.codename for p in permissions})
    if missing:
        raise ImproperlyConfigured(
            f"catalog permissions missing ({', '.join(missing)}): run `manage.py migrate` first"
        )
    group, _ = Group.objects.get_or_create(name=PROVIDER_STAFF_GROUP)
    group.permissions.set(permissions)
    return group


@transaction.atomic
def staff_grant_catalog_permissions(*, user: AbstractBaseUser) -> None:
    """Let a provider's staff member into the admin to manage their provider's catalog.

    Which provider's objects they see is decided by their ProviderMembership rows (the
    admin scopes every query by them); this only grants admin access and model permissions.
    """
    group = provider_staff_group_ensure()
    if not getattr(user, "is_staff", False):
        user.is_staff = True  # type: ignore[attr-defined]
        user.save(update_fields=["is_staff"])
    user.groups.add(group)  # type: ignore[attr-defined]
