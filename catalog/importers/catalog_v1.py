"""Import of a `cqr-catalog/1` document (docs/exchange-format.md §1 and §5).

Steps, all inside one transaction so that nothing is half-imported:
1. read every record into plain values, collecting errors (no queries);
2. write the `outlines` section (when valid), so names resolve against it;
3. load what the file refers to, in chunked `__in` queries (never one query per record);
4. check the references: providers, disciplines, subcategories, package members, the
   course rules of `catalog.rules` — still collecting every error;
5. raise `CatalogImportError` (rolling the outlines back) or write the differences with
   bulk operations. A record equal to its stored row is not written at all, so importing
   the same file twice changes nothing the second time.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from catalog.importers.bulk import Row, chunks, delete_where_in, insert_rows, update_rows
from catalog.importers.outline_section import OutlineSection
from catalog.importers.records import (
    COURSES,
    OUTLINES,
    PACKAGES,
    PROVIDERS,
    CourseIn,
    PackageIn,
    ProviderIn,
    read_course,
    read_package,
    read_provider,
    record_label,
)
from catalog.importers.values import (
    ErrorList,
    show,
)
from catalog.models import (
    Course,
    CreditDistribution,
    Package,
    PackageItem,
    Provider,
)
from catalog.rules import course_rule_errors
from catalog.selectors import SubcategoryIndex, subcategory_indexes
from core.exceptions import ErrorDetail, InputError
from core.jsontext import JSONTextError, json_loads, text_problem

FORMAT_TAG = "cqr-catalog/1"
SECTIONS = ("outlines", "providers", "courses", "packages")
COURSE_FIELDS = (
    "title",
    "format",
    "price",
    "ce_credits",
    "hours",
    "approval_expires",
    "event_date",
    "url",
    "arrt_activity_id",
    "cqr_eligible",
    "is_active",
    "tags",
)
PACKAGE_FIELDS = ("title", "price", "is_active")
T = TypeVar("T")


class CatalogImportError(InputError):
    """The document was rejected as a whole; `errors` name each record and field."""


@dataclass
class ImportSummary:
    providers_created: int = 0
    providers_updated: int = 0
    outlines_created: int = 0
    outlines_updated: int = 0
    courses_created: int = 0
    courses_updated: int = 0
    courses_unchanged: int = 0
    packages_created: int = 0
    packages_updated: int = 0
    packages_unchanged: int = 0
    revision_id: int | None = None
    # Ids of the courses and packages this import created or changed (for staleness).
    changed_course_ids: set[int] = field(default_factory=set)
    changed_package_ids: set[int] = field(default_factory=set)
    # Disciplines whose outline versions (or current version) the import changed.
    outline_disciplines: set[int] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return any(
            (
                self.providers_created,
                self.providers_updated,
                self.outlines_created,
                self.outlines_updated,
                self.courses_created,
                self.courses_updated,
                self.packages_created,
                self.packages_updated,
            )
        )

    def describe(self) -> str:
        """One line for the command's output."""
        text = (
            f"courses: {self.courses_created} created, {self.courses_updated} updated, "
            f"{self.courses_unchanged} unchanged; packages: {self.packages_created} created, "
            f"{self.packages_updated} updated, {self.packages_unchanged} unchanged; "
            f"providers: {self.providers_created} created, {self.providers_updated} updated; "
            f"outlines: {self.outlines_created} created, {self.outlines_updated} updated"
        )
        if self.revision_id is None:
            return f"{text} (no changes)"
        return f"{text} (catalog revision {self.revision_id})"


def parse_catalog_json(raw: bytes | str) -> dict[str, Any]:
    """Decode a catalog file; numbers become exact Decimals. Raises CatalogImportError."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CatalogImportError(
                [ErrorDetail("", "", f"malformed file: not UTF-8 text ({exc.reason})")]
            ) from exc

    def reject_constant(name: str) -> None:
        raise ValueError(f"{name} is not a valid JSON number")

    try:
        document = json_loads(raw, parse_float=Decimal, parse_constant=reject_constant)
    except JSONTextError as exc:
        raise CatalogImportError([exc.detail]) from exc
    except json.JSONDecodeError as exc:
        message = f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise CatalogImportError([ErrorDetail("", "", message)]) from exc
    except ValueError as exc:
        raise CatalogImportError([ErrorDetail("", "", f"malformed JSON: {exc}")]) from exc
    if not isinstance(document, dict):
        raise CatalogImportError([not_an_object(document)])
    return document


def not_an_object(document: object) -> ErrorDetail:
    return ErrorDetail("", "", f"the catalog must be a JSON object, not {show(document)}")


def import_document(*, document: dict[str, Any]) -> tuple[ImportSummary, set[int]]:
    """Validate and apply a parsed catalog; raises CatalogImportError, writing nothing.

    Returns the summary and the ids of the providers whose rows changed; the caller
    records the catalog revision in the same transaction.
    """
    sections = _read_top(document)
    with transaction.atomic():
        return _CatalogImport(sections).run()


def _read_top(document: object) -> dict[str, list[Any]]:
    if not isinstance(document, dict):
        raise CatalogImportError([not_an_object(document)])
    problem = text_problem(document)
    if problem:
        raise CatalogImportError([ErrorDetail.at_path(*problem)])
    tag = document.get("format")
    if tag != FORMAT_TAG:
        raise CatalogImportError(
            [ErrorDetail("", "format", f'must be "{FORMAT_TAG}", not {show(tag)}')]
        )
    sections: dict[str, list[Any]] = {}
    errors = []
    for name in SECTIONS:
        value = document.get(name)
        if value is None:
            sections[name] = []
        elif isinstance(value, list):
            sections[name] = value
        else:
            errors.append(ErrorDetail("", name, f"must be a list, not {show(value)}"))
    if errors:
        raise CatalogImportError(errors)
    return sections


# --- The import ----------------------------------------------------------------------------


class _CatalogImport:
    def __init__(self, sections: dict[str, list[Any]]) -> None:
        self.sections = sections
        self.errors = ErrorList()
        self.summary = ImportSummary()
        self.outlines = OutlineSection(
            sections["outlines"], errors=self.errors, rank=OUTLINES, adopt=True, prune=True
        )
        self.providers: list[ProviderIn] = []
        self.courses: list[CourseIn] = []
        self.packages: list[PackageIn] = []
        # Stored rows the file refers to.
        self.provider_rows: dict[str, dict[str, Any]] = {}
        self.course_rows: dict[tuple[str, str], dict[str, Any]] = {}
        self.package_rows: dict[tuple[str, str], dict[str, Any]] = {}
        self.stored_distribution: dict[int, dict[int, Decimal]] = defaultdict(dict)
        self.stored_members: dict[int, set[int]] = defaultdict(set)
        self.indexes: dict[str, SubcategoryIndex] = {}
        self.outline_errors = False

    def run(self) -> tuple[ImportSummary, set[int]]:
        self.read_records()
        self.write_outlines()
        self.load_stored()
        self.check_references()
        if self.errors:
            raise CatalogImportError(self.errors.details())
        affected = self.write_providers()
        affected |= self.write_courses()
        affected |= self.write_packages()
        return self.summary, affected

    # 1. Reading ------------------------------------------------------------------------------

    def read_records(self) -> None:
        self.outlines.read()
        self.outline_errors = self.outlines.invalid
        self.providers = self._unique(self.sections["providers"], read_provider, PROVIDERS)
        self.courses = self._unique(self.sections["courses"], read_course, COURSES)
        self.packages = self._unique(self.sections["packages"], read_package, PACKAGES)

    def _unique(
        self, records: list[Any], reader: Callable[[object, int, ErrorList], T | None], rank: int
    ) -> list[T]:
        """Read a section; a repeated upsert key is an error on the later record."""
        kept: list[T] = []
        seen: dict[Any, int] = {}
        section = SECTIONS[rank - OUTLINES]
        for i, raw in enumerate(records):
            item = reader(raw, i, self.errors)
            if item is None:
                continue
            key = getattr(item, "key", None) or item.code  # type: ignore[attr-defined]
            if key in seen:
                scope = f' for provider "{key[0]}"' if isinstance(key, tuple) else ""
                label = getattr(item, "label", None) or record_label(section, i, raw)
                self.errors.fail(
                    (rank, i), label, "code", f"duplicate code{scope} (also {section}[{seen[key]}])"
                )
                continue
            seen[key] = i
            kept.append(item)
        return kept

    # 2. Outlines -----------------------------------------------------------------------------

    def write_outlines(self) -> None:
        # With invalid outlines nothing is written: the rest is validated against the
        # stored outlines, and the import fails anyway.
        self.outlines.write()
        self.summary.outlines_created = self.outlines.created
        self.summary.outlines_updated = self.outlines.updated
        self.summary.outline_disciplines = set(self.outlines.changed_disciplines)

    # 3. Loading stored rows ------------------------------------------------------------------

    def load_stored(self) -> None:
        disciplines = {row.discipline for course in self.courses for row in course.distribution}
        self.indexes = subcategory_indexes(discipline_codes=disciplines)
        provider_codes = {p.code for p in self.providers}
        provider_codes |= {c.provider for c in self.courses} | {p.provider for p in self.packages}
        for chunk in chunks(sorted(provider_codes)):
            for row in Provider.objects.filter(code__in=chunk).values("id", "code", "name", "url"):
                self.provider_rows[row["code"]] = dict(row)
        codes_by_id = {row["id"]: code for code, row in self.provider_rows.items()}
        course_codes = {c.code for c in self.courses}
        course_codes |= {code for p in self.packages for code in p.members}
        fields = ("id", "provider_id", "code", *COURSE_FIELDS)
        for chunk in chunks(sorted(course_codes)):
            for row in Course.objects.filter(code__in=chunk).values(*fields):
                provider = codes_by_id.get(row["provider_id"])
                if provider is not None:
                    self.course_rows[(provider, row["code"])] = row
        package_codes = sorted({p.code for p in self.packages})
        for chunk in chunks(package_codes):
            rows = Package.objects.filter(code__in=chunk)
            for row in rows.values("id", "provider_id", "code", *PACKAGE_FIELDS):
                provider = codes_by_id.get(row["provider_id"])
                if provider is not None:
                    self.package_rows[(provider, row["code"])] = row
        self._load_links()

    def _load_links(self) -> None:
        course_ids = sorted(
            self.course_rows[c.key]["id"] for c in self.courses if c.key in self.course_rows
        )
        for chunk in chunks(course_ids):
            rows = CreditDistribution.objects.filter(course_id__in=chunk)
            for course_id, sub_id, credits in rows.values_list(
                "course_id", "subcategory_id", "credits"
            ):
                self.stored_distribution[course_id][sub_id] = credits
        package_ids = sorted(
            self.package_rows[p.key]["id"] for p in self.packages if p.key in self.package_rows
        )
        for chunk in chunks(package_ids):
            items = PackageItem.objects.filter(package_id__in=chunk)
            for package_id, course_id in items.values_list("package_id", "course_id"):
                self.stored_members[package_id].add(course_id)

    # 4. Checking references ------------------------------------------------------------------

    def check_references(self) -> None:
        declared = {p.code for p in self.providers}
        known_providers = declared | set(self.provider_rows)
        file_courses = {c.key for c in self.courses}
        for package in self.packages:
            if self._check_provider(
                package.provider, known_providers, package.label, PACKAGES, package.index
            ):
                self._check_members(package, file_courses)
        for course in self.courses:
            self._check_provider(
                course.provider, known_providers, course.label, COURSES, course.index
            )
            self._resolve_distribution(course)
            self._check_rules(course)

    def _check_provider(
        self, code: str, known: set[str], label: str, rank: int, index: int
    ) -> bool:
        if code in known:
            return True
        self.errors.fail(
            (rank, index),
            label,
            "provider",
            f'unknown provider "{code}" (declare it in the file\'s providers or create it first)',
        )
        return False

    def _check_members(self, package: PackageIn, file_courses: set[tuple[str, str]]) -> None:
        for i, code in enumerate(package.members):
            key = (package.provider, code)
            if key in file_courses or key in self.course_rows:
                package.member_keys.append(key)
            else:
                self.errors.fail(
                    (PACKAGES, package.index),
                    package.label,
                    f"courses[{i}]",
                    f'unknown course "{code}" for provider "{package.provider}"',
                )

    def _resolve_distribution(self, course: CourseIn) -> None:
        first_row: dict[int, int] = {}
        for row in course.distribution:
            where = f"distribution[{row.index}]"
            index = self.indexes.get(row.discipline)
            if index is None:
                if not self._discipline_in_broken_outline(row.discipline):
                    self._course_error(
                        course, f"{where}.discipline", f'unknown discipline "{row.discipline}"'
                    )
                course.bad_fields.add("distribution")
                continue
            sub_id = index.resolve(row.category)
            if sub_id is None:
                self._course_error(
                    course,
                    f"{where}.category",
                    f'unknown category "{row.category}" for discipline {row.discipline}',
                )
                course.bad_fields.add("distribution")
            elif sub_id in first_row:
                self._course_error(
                    course,
                    f"{where}.category",
                    f'"{row.category}" is the same subcategory as '
                    f"distribution[{first_row[sub_id]}]",
                )
                course.bad_fields.add("distribution")
            else:
                first_row[sub_id] = row.index
                if row.credits is not None:
                    course.resolved[sub_id] = row.credits
                row.group = index.group_of(sub_id)

    def _discipline_in_broken_outline(self, code: str) -> bool:
        return self.outline_errors and code in self.outlines.disciplines()

    def _check_rules(self, course: CourseIn) -> None:
        values = course.values
        # A rule that depends on an unreadable field is not checked (that field is reported).
        skip = set(course.bad_fields)
        if "format" in skip:
            skip.add("event_date")
        if "ce_credits" in skip:
            skip.add("distribution")
        rule_errors = course_rule_errors(
            format=values["format"] or "",
            price=values["price"],
            ce_credits=values["ce_credits"] or Decimal("Infinity"),
            event_date=values["event_date"],
            distribution=[
                (row.group or row.discipline, row.credits)
                for row in course.distribution
                if row.credits is not None
            ],
        )
        for name, message in rule_errors.items():
            if name not in skip:
                self._course_error(course, name, message)

    def _course_error(self, course: CourseIn, field: str, message: str) -> None:
        self.errors.fail((COURSES, course.index), course.label, field, message)

    # 5. Writing ------------------------------------------------------------------------------

    def write_providers(self) -> set[int]:
        now = timezone.now()
        created: list[Row] = []
        changed: list[Row] = []
        for item in self.providers:
            row = self.provider_rows.get(item.code)
            if row is None:
                name, url = item.name or item.code, item.url or ""
                created.append({"code": item.code, "name": name, "url": url})
                continue
            updates = {"name": item.name, "url": item.url}
            updates = {k: v for k, v in updates.items() if v is not None and row[k] != v}
            if updates:
                changed.append({**row, **updates, "updated_at": now})
        new_ids = insert_rows(Provider, created)
        update_rows(Provider, changed, ["name", "url", "updated_at"])
        self._record_ids(Provider, created, new_ids, self.provider_rows, key=lambda r: r["code"])
        self.summary.providers_created = len(created)
        self.summary.providers_updated = len(changed)
        return {self.provider_rows[r["code"]]["id"] for r in created} | {r["id"] for r in changed}

    def _record_ids(
        self,
        model: type[Provider | Course | Package],
        created: list[Row],
        new_ids: list[int] | None,
        stored: dict[Any, dict[str, Any]],
        *,
        key: Callable[[Row], Any],
    ) -> None:
        """Note the ids of inserted rows in `stored`, reading them back when not returned."""
        if new_ids is not None:
            for row, pk in zip(created, new_ids, strict=True):
                stored[key(row)] = {"id": pk}
            return
        wanted = {(row.get("provider_id"), row["code"]): row for row in created}
        codes = sorted({row["code"] for row in created})
        for chunk in chunks(codes):
            rows = model._default_manager.filter(code__in=chunk)
            fields = ["id", "code"] + (["provider_id"] if model is not Provider else [])
            for found in rows.values(*fields):
                match = wanted.get((found.get("provider_id"), found["code"]))
                if match is not None:
                    stored[key(match)] = {"id": found["id"]}

    def write_courses(self) -> set[int]:
        now = timezone.now()
        created: list[Row] = []
        created_items: dict[tuple[str, str], CourseIn] = {}
        changed: list[Row] = []
        replace_distribution: list[tuple[int, CourseIn]] = []
        for item in self.courses:
            provider_id = self.provider_rows[item.provider]["id"]
            stored = self.course_rows.get(item.key)
            if stored is None:
                created.append({"provider_id": provider_id, "code": item.code, **item.values})
                created_items[item.key] = item
                continue
            fields_differ = any(stored[k] != v for k, v in item.values.items())
            distribution_differs = self.stored_distribution.get(stored["id"], {}) != item.resolved
            if distribution_differs:
                replace_distribution.append((stored["id"], item))
            if fields_differ or distribution_differs:
                values = {k: stored[k] for k in COURSE_FIELDS} | item.values
                changed.append(
                    {"id": stored["id"], "provider_id": provider_id, **values, "updated_at": now}
                )
            else:
                self.summary.courses_unchanged += 1
        new_ids = insert_rows(Course, created)
        codes = {r["id"]: c for c, r in self.provider_rows.items()}
        self._record_ids(
            Course,
            created,
            new_ids,
            self.course_rows,
            key=lambda r: (codes[r["provider_id"]], r["code"]),
        )
        update_rows(Course, changed, [*COURSE_FIELDS, "updated_at"])
        delete_where_in(CreditDistribution, "course_id", [pk for pk, _ in replace_distribution])
        targets = [(self.course_rows[key]["id"], item) for key, item in created_items.items()]
        insert_rows(
            CreditDistribution,
            [
                {"course_id": course_id, "subcategory_id": sub_id, "credits": credits}
                for course_id, item in targets + replace_distribution
                for sub_id, credits in item.resolved.items()
            ],
        )
        self.summary.courses_created = len(created)
        self.summary.courses_updated = len(changed)
        self.summary.changed_course_ids = {pk for pk, _ in targets} | {r["id"] for r in changed}
        return {r["provider_id"] for r in created} | {r["provider_id"] for r in changed}

    def write_packages(self) -> set[int]:
        now = timezone.now()
        created: list[Row] = []
        created_items: dict[tuple[str, str], PackageIn] = {}
        changed: list[Row] = []
        replace_members: list[tuple[int, PackageIn]] = []
        for item in self.packages:
            provider_id = self.provider_rows[item.provider]["id"]
            members = {self.course_rows[key]["id"] for key in item.member_keys}
            stored = self.package_rows.get(item.key)
            if stored is None:
                created.append({"provider_id": provider_id, "code": item.code, **item.values})
                created_items[item.key] = item
                continue
            members_differ = self.stored_members.get(stored["id"], set()) != members
            if members_differ:
                replace_members.append((stored["id"], item))
            if members_differ or any(stored[k] != v for k, v in item.values.items()):
                values = {k: stored[k] for k in PACKAGE_FIELDS} | item.values
                changed.append(
                    {"id": stored["id"], "provider_id": provider_id, **values, "updated_at": now}
                )
            else:
                self.summary.packages_unchanged += 1
        new_ids = insert_rows(Package, created)
        codes = {r["id"]: c for c, r in self.provider_rows.items()}
        self._record_ids(
            Package,
            created,
            new_ids,
            self.package_rows,
            key=lambda r: (codes[r["provider_id"]], r["code"]),
        )
        update_rows(Package, changed, [*PACKAGE_FIELDS, "updated_at"])
        delete_where_in(PackageItem, "package_id", [pk for pk, _ in replace_members])
        targets = [(self.package_rows[key]["id"], item) for key, item in created_items.items()]
        insert_rows(
            PackageItem,
            [
                {"package_id": package_id, "course_id": self.course_rows[key]["id"]}
                for package_id, item in targets + replace_members
                for key in item.member_keys
            ],
        )
        self.summary.packages_created = len(created)
        self.summary.packages_updated = len(changed)
        self.summary.changed_package_ids = {pk for pk, _ in targets} | {r["id"] for r in changed}
        return {r["provider_id"] for r in created} | {r["provider_id"] for r in changed}
