"""Catalog reads: outline/subcategory resolution and the public listings."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.shortcuts import get_object_or_404

from catalog.models import (
    CatalogRevision,
    Course,
    CreditDistribution,
    Discipline,
    MajorCategory,
    OutlineVersion,
    Package,
    Provider,
    Subcategory,
    SubcategoryAlias,
    SubcategoryMapping,
    course_visible_q,
)
from catalog.outline_dates import in_force, order_key

# --- Outlines and subcategory name resolution (used by import, prescriptions, matching) ---


class ActiveCourseCounts(NamedTuple):
    catalog: int  # active courses of the catalog
    own: int  # the owner's own (private) active courses


def catalog_active_course_counts(owner_id: int | None = None) -> ActiveCourseCounts:
    """Active courses a run could search (the proof's "out of N … and M of your own"): the
    catalog's, and apart from them the owner's own ones. One query."""
    counts = Course.all_courses.filter(course_visible_q(owner_id), is_active=True).aggregate(
        catalog=Count("id", filter=Q(owner__isnull=True)),
        own=Count("id", filter=Q(owner__isnull=False)),
    )
    return ActiveCourseCounts(catalog=counts["catalog"], own=counts["own"])


def discipline_current_outline(*, code: str) -> OutlineVersion | None:
    """The discipline's current outline version (the one in force today, as cached in
    `is_current`), or None (unknown code or no outline)."""
    return (
        OutlineVersion.objects.filter(discipline__code=code, is_current=True)
        .select_related("discipline")
        .first()
    )


def discipline_code_match(code: str, codes: Iterable[str]) -> str | None:
    """The code among `codes` that a user's `code` means, in any case and with spaces
    around it: the same code, else the one differing only in case (the first in order when
    several do); None when none does. The one rule for a typed discipline code (the
    `parse_prescription` option, the paste form, the API, the catalog's filter)."""
    code = code.strip()
    known = sorted(codes)
    if code in known:
        return code
    return next((c for c in known if c.casefold() == code.casefold()), None)


def outline_in_force(
    *, on: date, discipline_id: int | None = None, code: str | None = None
) -> OutlineVersion | None:
    """The version of a discipline (by id, or by code, case-insensitive) in force on
    `on` (`catalog.outline_dates`); None for an unknown discipline or one without outline.
    One query."""
    versions = OutlineVersion.objects.select_related("discipline")
    if discipline_id is not None:
        versions = versions.filter(discipline_id=discipline_id)
    elif code is not None:
        versions = versions.filter(discipline__code__iexact=code.strip())
    else:
        raise TypeError("outline_in_force needs discipline_id or code")
    rows = list(versions)
    if len({v.discipline_id for v in rows}) > 1:  # codes differing only in case
        assert code is not None
        chosen = discipline_code_match(code, {v.discipline.code for v in rows})
        rows = [v for v in rows if v.discipline.code == chosen]
    return in_force(rows, on)


@dataclass
class SubcategoryIndex:
    """Subcategory names of one discipline → subcategory id, in the contract's order.

    A name resolves in the current outline first, then through the aliases of any of the
    discipline's outlines, then in older versions (newest first). An alias whose target
    name also exists in the current outline resolves to the current subcategory.
    """

    discipline_code: str
    current_outline_id: int | None = None
    current: dict[str, int] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)
    older: dict[str, int] = field(default_factory=dict)
    older_version: dict[int, str] = field(default_factory=dict)  # older sub id -> version

    def group_of(self, sub_id: int) -> str:
        """How a course's rows are grouped for "at most the CE credits per discipline": one
        tagging per outline version ("CT", or "CT 2017" for an older version's row)."""
        version = self.older_version.get(sub_id)
        return self.discipline_code if version is None else f"{self.discipline_code} {version}"

    def resolve(self, name: str) -> int | None:
        for names in (self.current, self.aliases, self.older):
            found = names.get(name)
            if found is not None:
                return found
        return None


def subcategory_indexes(
    *, discipline_codes: Iterable[str] | None = None
) -> dict[str, SubcategoryIndex]:
    """One `SubcategoryIndex` per known discipline (all, or those in `discipline_codes`).

    Three queries whatever the number of names, so callers resolving many rows load this
    once and look names up in memory. Disciplines without any outline get an empty index.
    """
    disciplines = Discipline.objects.all()
    subcategories = Subcategory.objects.all()
    aliases = SubcategoryAlias.objects.all()
    if discipline_codes is not None:
        codes = sorted(set(discipline_codes))
        disciplines = disciplines.filter(code__in=codes)
        subcategories = subcategories.filter(outline__discipline__code__in=codes)
        aliases = aliases.filter(outline__discipline__code__in=codes)
    indexes = {code: SubcategoryIndex(code) for code in disciplines.values_list("code", flat=True)}
    fill_indexes(
        indexes,
        subcategories.values_list(*INDEX_SUBCATEGORY_FIELDS),
        aliases.values_list(*INDEX_ALIAS_FIELDS),
    )
    return indexes


# What `fill_indexes` reads of each subcategory and alias row (callers that load these
# rows for their own needs pass them in instead of querying again).
_VERSION_FIELDS = (
    "outline_id",
    "outline__is_current",
    "outline__effective_from",
    "outline__effective_until",
    "outline__adopted_at",
    "outline__version",
)
INDEX_SUBCATEGORY_FIELDS = ("id", "name", "outline__discipline__code", *_VERSION_FIELDS)
INDEX_ALIAS_FIELDS = (
    "alias",
    "subcategory_id",
    "subcategory__name",
    "outline__discipline__code",
    *_VERSION_FIELDS,
)


class VersionFields(NamedTuple):
    """The version fields of a row, for `outline_dates.order_key`."""

    pk: int
    effective_from: date | None
    effective_until: date | None
    adopted_at: datetime | None
    version: str


def _newest_first(rows: Iterable[tuple[Any, ...]], at: int) -> list[tuple[Any, ...]]:
    """Rows whose version fields start at `at`: the current version's first, then the
    others from the newest in their discipline's order."""

    def key(row: tuple[Any, ...]) -> tuple[bool, Any]:
        return (bool(row[at + 1]), order_key(VersionFields(row[at], *row[at + 2 : at + 6])))

    return sorted(rows, key=key, reverse=True)


def fill_indexes(
    indexes: dict[str, SubcategoryIndex],
    subcategory_rows: Iterable[tuple[Any, ...]],
    alias_rows: Iterable[tuple[Any, ...]],
) -> None:
    """Fill `SubcategoryIndex`es from rows of INDEX_SUBCATEGORY_FIELDS / INDEX_ALIAS_FIELDS."""
    for sub_id, name, code, outline_id, is_current, *rest in _newest_first(subcategory_rows, 3):
        index = indexes.setdefault(code, SubcategoryIndex(code))
        if is_current:
            index.current_outline_id = outline_id
            index.current[name] = sub_id
        else:
            index.older.setdefault(name, sub_id)  # the newest version's wins
            index.older_version[sub_id] = rest[3]
    for alias, sub_id, target, code, *_ in _newest_first(alias_rows, 4):
        index = indexes.setdefault(code, SubcategoryIndex(code))
        index.aliases.setdefault(alias, index.current.get(target, sub_id))


def subcategory_resolve(*, discipline_code: str, name: str) -> Subcategory | None:
    """The subcategory a name stands for in a discipline (see `SubcategoryIndex`)."""
    index = subcategory_indexes(discipline_codes=[discipline_code]).get(discipline_code)
    sub_id = index.resolve(name) if index else None
    if sub_id is None:
        return None
    return Subcategory.objects.select_related("major", "outline__discipline").get(pk=sub_id)


# --- Public listing selectors (catalog and outline pages) ---------------------------------


def _distribution_in_outline_order() -> QuerySet[CreditDistribution]:
    """Credit distribution rows (to prefetch on courses) in their outline's order."""
    return CreditDistribution.objects.select_related(
        "subcategory__major", "subcategory__outline__discipline"
    ).order_by(
        "subcategory__outline__discipline__code",
        "subcategory__major__position",
        "subcategory__position",
        "subcategory__name",
    )


COURSE_SORTS: dict[str, list[OrderBy | str]] = {
    "title": ["title", "code"],
    "price": [F("price").asc(nulls_last=True), "title", "code"],
    "-price": [F("price").desc(nulls_last=True), "title", "code"],
}


def course_in_discipline(code: str) -> Exists:
    """Courses with a credit distribution row in the discipline `code` (any outline
    version). The discipline's subcategory ids are a subquery of a few rows, so each probe
    of the distribution index needs no join up to the discipline."""
    in_discipline = Subcategory.objects.filter(outline__discipline__code=code).values("id")
    return Exists(
        CreditDistribution.objects.filter(course=OuterRef("pk"), subcategory_id__in=in_discipline)
    )


def _active_courses_filtered(
    *,
    discipline: str | None = None,
    subcategory_id: int | None = None,
    format: str | None = None,
    provider: str | None = None,
) -> QuerySet[Course]:
    courses = Course.objects.filter(is_active=True)
    if discipline:
        courses = courses.filter(course_in_discipline(discipline))
    if subcategory_id is not None:
        courses = courses.filter(
            Exists(
                CreditDistribution.objects.filter(
                    course=OuterRef("pk"), subcategory_id=subcategory_id
                )
            )
        )
    if format:
        courses = courses.filter(format=format)
    if provider:
        courses = courses.filter(provider__code=provider)
    return courses


def course_list_public(
    *,
    discipline: str | None = None,
    subcategory_id: int | None = None,
    format: str | None = None,
    provider: str | None = None,
    sort: str = "title",
) -> QuerySet[Course]:
    """Active courses for the public catalog, filtered and sorted, with what each row shows.

    `discipline` is a discipline code and `provider` a provider code. The distribution rows
    (with subcategory, major and discipline) and the active packages are prefetched, so a
    page of courses costs a fixed number of queries; each sort has a partial index over
    active courses (catalog.models.Course), so a page is read in index order.
    """
    courses = _active_courses_filtered(
        discipline=discipline, subcategory_id=subcategory_id, format=format, provider=provider
    )
    distribution = _distribution_in_outline_order()
    packages = Package.objects.filter(is_active=True).order_by("price", "title")
    return (
        courses.select_related("provider")
        .prefetch_related(
            Prefetch("distribution", queryset=distribution),
            Prefetch("packages", queryset=packages, to_attr="active_packages"),
        )
        .order_by(*COURSE_SORTS.get(sort, COURSE_SORTS["title"]))
    )


def catalog_revision_latest() -> int:
    """The id of the newest CatalogRevision (0 before any): the catalog's version. Read
    on every catalog and home page (their cache keys), so in plain SQL: the ORM's
    compiling of even this query is most of its cost."""
    table = connection.ops.quote_name(CatalogRevision._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608 - the model's table name
        row = cursor.fetchone()
    return int(row[0] or 0) if row else 0


def _cached_on_revision(name: str, compute: Any, revision: int | None = None) -> Any:
    """`compute()` cached per catalog revision (`revision`, default the latest): every
    catalog write records one (import, API, admin), so a cached value never outlives the
    catalog it counted; the timeout (CQR_CATALOG_COUNT_CACHE_SECONDS) bounds it anyway."""
    version = catalog_revision_latest() if revision is None else revision
    key = f"catalog:{version}:{name}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, getattr(settings, "CQR_CATALOG_COUNT_CACHE_SECONDS", 300))
    return found


def catalog_filter_choices(*, revision: int | None = None) -> dict[str, Any]:
    """The catalog page's picker choices (cached per catalog revision): disciplines with a
    current outline as (code, label), subcategory groups as `subcategory_choices_current`
    (every discipline's, and `subcategories_of[code]`), providers with active courses as
    (code, name)."""

    def compute() -> dict[str, Any]:
        every, by_discipline = _subcategory_groups()
        return {
            "disciplines": [(d.code, str(d)) for d in discipline_list_current()],
            "subcategories": every,
            # The picker once a discipline is chosen: that discipline's only.
            "subcategories_of": by_discipline,
            "providers": [(p.code, p.name) for p in provider_list_public()],
        }

    return dict(_cached_on_revision("filter-choices:2", compute, revision=revision))


def course_count_public(
    *,
    discipline: str | None = None,
    subcategory_id: int | None = None,
    format: str | None = None,
    provider: str | None = None,
    revision: int | None = None,
) -> int:
    """How many active courses match the catalog page's filters (cached, see above;
    `revision`: the latest catalog revision when the caller has read it already)."""
    filters: dict[str, Any] = {
        "discipline": discipline,
        "subcategory_id": subcategory_id,
        "format": format,
        "provider": provider,
    }
    digest = hashlib.sha256(json.dumps(filters, sort_keys=True).encode()).hexdigest()[:32]
    name = f"count:{digest}"
    count = _cached_on_revision(
        name, lambda: _active_courses_filtered(**filters).count(), revision=revision
    )
    return int(count)


def subcategory_choices_current(
    *, discipline_code: str | None = None
) -> list[tuple[str, list[tuple[int, str]]]]:
    """Current-outline subcategories grouped for a picker, in outline order.

    Every discipline's: [("CT – Computed Tomography: Safety", [(id, "Radiation Safety and
    Dose"), ...]), ...]; with `discipline_code`, that discipline's only, grouped by major
    category: [("Safety", [...]), ...]."""
    every, by_discipline = _subcategory_groups(discipline_code)
    return by_discipline.get(discipline_code, []) if discipline_code else every


Groups = list[tuple[str, list[tuple[int, str]]]]


def _subcategory_groups(discipline_code: str | None = None) -> tuple[Groups, dict[str, Groups]]:
    """Both groupings of `subcategory_choices_current` from one query: every discipline's
    and, per discipline code, its own by major category."""
    subcategories = (
        Subcategory.objects.filter(outline__is_current=True)
        .select_related("major", "outline__discipline")
        .order_by("outline__discipline__code", "major__position", "position", "name")
    )
    if discipline_code is not None:
        subcategories = subcategories.filter(outline__discipline__code=discipline_code)
    every: dict[str, list[tuple[int, str]]] = {}
    own: dict[str, dict[str, list[tuple[int, str]]]] = {}
    for sub in subcategories:
        option = (sub.pk, sub.name)
        every.setdefault(f"{sub.outline.discipline}: {sub.major.name}", []).append(option)
        groups = own.setdefault(sub.outline.discipline.code, {})
        groups.setdefault(sub.major.name, []).append(option)
    return list(every.items()), {code: list(g.items()) for code, g in own.items()}


def discipline_list_current() -> QuerySet[Discipline]:
    """Disciplines that have a current outline, for filter pickers."""
    return Discipline.objects.filter(outlines__is_current=True).order_by("code").distinct()


def provider_list_public() -> QuerySet[Provider]:
    """Providers that have at least one active course."""
    return Provider.objects.filter(
        Exists(Course.objects.filter(provider=OuterRef("pk"), is_active=True))
    ).order_by("name")


def outline_list_public() -> QuerySet[OutlineVersion]:
    """Every discipline's current outline with its majors, subcategories and aliases."""
    subcategories = Subcategory.objects.order_by("position", "name").prefetch_related(
        Prefetch("aliases", queryset=SubcategoryAlias.objects.order_by("alias"))
    )
    majors = MajorCategory.objects.order_by("position", "name").prefetch_related(
        Prefetch("subcategories", queryset=subcategories)
    )
    mappings = SubcategoryMapping.objects.select_related("from_subcategory", "to_subcategory")
    return (
        OutlineVersion.objects.filter(is_current=True)
        .select_related("discipline")
        .prefetch_related(
            Prefetch("majors", queryset=majors), Prefetch("mappings", queryset=mappings)
        )
        .order_by("discipline__code")
    )


def outline_versions_older() -> QuerySet[OutlineVersion]:
    """The versions that are not current: superseded ones (still used for prescriptions
    issued under them) and ones dated to start later."""
    return (
        OutlineVersion.objects.filter(is_current=False)
        .select_related("discipline")
        .order_by("discipline__code", F("effective_from").desc(nulls_last=True), "-version")
    )


def catalog_stats_public() -> dict[str, int]:
    """Counts for the home page: active courses and the providers offering them (cached
    per catalog revision)."""

    def compute() -> dict[str, int]:
        active = Course.objects.filter(is_active=True)
        return {
            "courses": active.count(),
            "providers": provider_list_public().count(),
        }

    return dict(_cached_on_revision("stats", compute))


# --- Provider staff: their own providers' courses and packages (API) ---------------------


def provider_list_for_staff(*, user: Any) -> QuerySet[Provider]:
    """The providers the user is staff of: a staff user (`is_staff`) with a
    ProviderMembership each; none for anonymous and non-staff users.

    The one provider-scoping rule: the admin, the API and the insights dashboard all scope
    by it (`provider_ids_for_staff` is the same set as ids)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_staff", False):
        return Provider.objects.none()
    return Provider.objects.filter(memberships__user=user).order_by("code").distinct()


def provider_ids_for_staff(*, user: Any) -> frozenset[int]:
    return frozenset(provider_list_for_staff(user=user).values_list("id", flat=True))


def _staff_courses(user: Any) -> QuerySet[Course]:
    distribution = _distribution_in_outline_order()
    return (
        Course.objects.filter(provider__in=provider_list_for_staff(user=user))
        .select_related("provider")
        .prefetch_related(
            Prefetch("distribution", queryset=distribution),
            Prefetch("packages", queryset=Package.objects.order_by("code"), to_attr="all_packages"),
        )
    )


Owned = TypeVar("Owned", Course, Package)


def _of_provider(records: QuerySet[Owned], provider_code: str | None) -> QuerySet[Owned]:
    """Only `provider_code`'s records when one is named, by provider and code."""
    if provider_code:
        records = records.filter(provider__code=provider_code)
    return records.order_by("provider__code", "code")


def course_list_for_staff(*, user: Any, provider_code: str | None = None) -> QuerySet[Course]:
    """Every course (retired too) of the user's providers, with distribution and packages."""
    return _of_provider(_staff_courses(user), provider_code)


def course_get_for_staff(*, user: Any, course_id: int) -> Course:
    """A course of one of the user's providers; 404 for missing and not-yours alike."""
    return get_object_or_404(_staff_courses(user), pk=course_id)


def _staff_packages(user: Any) -> QuerySet[Package]:
    return (
        Package.objects.filter(provider__in=provider_list_for_staff(user=user))
        .select_related("provider")
        .prefetch_related(Prefetch("courses", queryset=Course.objects.only("id", "code")))
    )


def package_list_for_staff(*, user: Any, provider_code: str | None = None) -> QuerySet[Package]:
    """Every package (retired too) of the user's providers, with member course codes."""
    return _of_provider(_staff_packages(user), provider_code)


def package_get_for_staff(*, user: Any, package_id: int) -> Package:
    """A package of one of the user's providers; 404 for missing and not-yours alike."""
    return get_object_or_404(_staff_packages(user), pk=package_id)


def courses_tagged_q(tags: Iterable[str]) -> Q:
    """Courses carrying at least one of `tags` (exact strings), on every database.

    PostgreSQL tests JSON containment. Elsewhere the stored JSON text is searched for the
    quoted tag: exact, because a valid tag (catalog.rules) has only [a-z0-9-], so its
    quoted form can only appear in the list as a whole element."""
    q = Q(pk__in=[])
    for tag in sorted(set(tags)):
        if connection.vendor == "postgresql":
            q |= Q(tags__contains=[tag])
        else:
            q |= Q(tags__icontains=json.dumps(tag))
    return q


def tags_in_use(queryset: QuerySet[Course]) -> list[str]:
    """The distinct tags of the given courses, sorted."""
    found: set[str] = set()
    for tags in queryset.exclude(tags=[]).values_list("tags", flat=True):
        found.update(tags or [])
    return sorted(found)
