"""Catalog slice -> solver Problem: a prescription's candidate courses and packages loaded
with a handful of `values_list` queries (no model instance per course), solved by
`matching.solver` (pure; this is its only adapter)."""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connections
from django.db.models import F, IntegerField, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Round

from catalog.models import (
    PRIVATE_PROVIDER_CODE,
    Course,
    CreditDistribution,
    PackageItem,
    course_visible_q,
)
from catalog.selectors import courses_tagged_q
from core.money import to_hundredths
from matching.services.documents import least_hours_document, recommendation_document
from matching.solver import Course as SolverCourse
from matching.solver import Extra, Package, Problem, Result, advise_hours, solve
from prescriptions.documents import PrescriptionSpec

logger = logging.getLogger(__name__)

# Time for the least-weekly-hours advice of an infeasible answer (on top of the solve).
ADVICE_SECONDS = 10.0


ProgressCallback = Callable[[int, str], None]


class CourseInfo(NamedTuple):
    id: int
    code: str  # the catalog code (the solver code may be "provider/code")
    provider: str
    title: str
    format: str
    price: int | None  # cents
    url: str


class PackageInfo(NamedTuple):
    id: int
    code: str
    provider: str
    title: str
    price: int  # cents


@dataclass(frozen=True)
class CatalogInputs:
    """Which part of the catalog a prescription's plan can depend on: the candidate rule
    of `solver_problem_from_spec`, kept with the run so that a catalog change re-plans
    only the runs it could change (matching.services.staleness).

    A course can join the candidates when it is active with a credit row in one of
    `subcategory_ids`, or carries one of `tags`, or is active at all (`all_active`, a
    total-CE requirement); `course_ids` (completed and owned courses) count whatever
    their state. Courses and packages the plan bought are checked on the bundles.
    """

    subcategory_ids: frozenset[int] = frozenset()
    tags: frozenset[str] = frozenset()
    all_active: bool = False
    course_ids: frozenset[int] = frozenset()

    def as_json(self) -> dict[str, Any]:
        return {
            "subcategory_ids": sorted(self.subcategory_ids),
            "tags": sorted(self.tags),
            "all_active": self.all_active,
            "course_ids": sorted(self.course_ids),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CatalogInputs | None:
        """The stored inputs, or None for a run stored before they were recorded."""
        if not data or "subcategory_ids" not in data:
            return None
        return cls(
            subcategory_ids=frozenset(int(i) for i in data["subcategory_ids"]),
            tags=frozenset(str(t) for t in data.get("tags", ())),
            all_active=bool(data.get("all_active")),
            course_ids=frozenset(int(i) for i in data.get("course_ids", ())),
        )


@dataclass(frozen=True)
class CourseIndex:
    """Solver codes <-> catalog rows for one Problem (codes are unique within it)."""

    courses: Mapping[str, CourseInfo]  # solver code -> course
    packages: Mapping[str, PackageInfo]  # solver code -> package
    code_of_course: Mapping[int, str]  # course id -> solver code
    inputs: CatalogInputs = field(default_factory=CatalogInputs)

    def course_id(self, code: str) -> int | None:
        info = self.courses.get(code)
        return info.id if info else None


def _unique_codes(rows: Iterable[tuple[int, str, str]]) -> dict[int, str]:
    """id -> plain code when unique among `rows`, else "provider/code"."""
    rows = list(rows)
    counts: dict[str, int] = defaultdict(int)
    for _, code, _ in rows:
        counts[code] += 1
    return {
        row_id: code if counts[code] == 1 else f"{provider}/{code}"
        for row_id, code, provider in rows
    }


def _hundredths(field: str) -> Cast:
    """A Decimal column as integer hundredths, computed by the database: exact for values
    with two places, and it skips the per-row Decimal conversion (the 50k-course path)."""
    return Cast(Round(F(field) * 100), output_field=IntegerField())


def _fetch(queryset: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a values_list() query straight from the cursor, without Django's
    per-row converters (they dominate at 50,000 courses). Raw values: integers for the
    `_hundredths` columns, dates as date or ISO text (SQLite), booleans as bool or 0/1.
    The SELECT lists model fields before annotations, so `values_list` must name them
    in that order."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def _as_tags(value: list[str] | str | None) -> frozenset[str]:
    """A raw JSON column value (text, or already decoded by the driver) as a tag set."""
    if isinstance(value, str):
        value = json.loads(value)
    return frozenset(value or ())


def solver_problem_from_spec(
    spec: PrescriptionSpec, *, alternatives: int = 0, time_limit: float | None = None
) -> tuple[Problem, CourseIndex]:
    """The solver input for a prescription: its candidate slice of the catalog.

    Queries: the discipline's subcategory names (4), distribution rows (1), courses (1),
    package items (1). Candidates are the active, CQR-eligible courses with a row in a
    required subcategory of the discipline (any outline version, resolved to the current
    name); with `total_discipline`/`major_minimum` extras every course with a row in the
    discipline; with `total_ce` every active course; with `tag_minimum` also the active
    courses carrying one of its tags. Completed courses are always loaded (their credits
    subtract from the requirement).
    """
    names = spec.subcategory_names
    required: dict[str, int] = defaultdict(int)
    for sub, credits in spec.required:
        required[names.canonical(sub.id) or sub.name] += to_hundredths(credits)
    extra_kinds = {extra.kind for extra in spec.extras}
    wanted_tags = {tag for extra in spec.extras for tag in extra.tags}
    discipline_sub_ids = names.all_ids()

    if extra_kinds & {"total_discipline", "major_minimum"}:
        credit_sub_ids = discipline_sub_ids
    else:
        credit_sub_ids = names.ids_for(required)
    # The catalog and the technologist's own courses; never another technologist's.
    visible = course_visible_q(spec.owner_id)
    visible_rows = course_visible_q(spec.owner_id, "course__")
    eligible_rows = CreditDistribution.objects.filter(
        visible_rows,
        subcategory_id__in=credit_sub_ids,
        course__is_active=True,
        course__cqr_eligible=True,
    )
    completed_ids = [c.id for c in spec.completed]
    courses_q = Q(id__in=eligible_rows.values("course_id")) | Q(id__in=completed_ids)
    if "total_ce" in extra_kinds:
        courses_q |= Q(is_active=True)
    elif wanted_tags:
        courses_q |= Q(is_active=True) & courses_tagged_q(wanted_tags)
    course_rows = _fetch(
        Course.all_courses.filter(courses_q & visible)
        .annotate(
            provider_code=Coalesce("provider__code", Value(PRIVATE_PROVIDER_CODE)),
            price_h=_hundredths("price"),
            hours_h=_hundredths("hours"),
            ce_credits_h=_hundredths("ce_credits"),
        )
        .values_list(
            "id",
            "code",
            "title",
            "format",
            "approval_expires",
            "event_date",
            "url",
            "provider_id",
            "cqr_eligible",
            "tags",
            "provider_code",
            "price_h",
            "hours_h",
            "ce_credits_h",
        )
    )
    # Every row of the discipline for those courses (the solver reports credits per
    # subcategory and needs them for the discipline/major totals).
    row_filter = Q(subcategory_id__in=discipline_sub_ids) & (
        Q(course_id__in=eligible_rows.values("course_id")) | Q(course_id__in=completed_ids)
    )
    if "total_ce" in extra_kinds:
        row_filter = Q(subcategory_id__in=discipline_sub_ids, course__is_active=True) & visible_rows
    credit_rows = _fetch(
        CreditDistribution.objects.filter(row_filter)
        .annotate(credits_h=_hundredths("credits"))
        .values_list("course_id", "subcategory_id", "credits_h")
    )
    course_credits = names.course_credits(credit_rows)

    codes = _unique_codes((row[0], row[1], row[10]) for row in course_rows)
    solver_courses: list[SolverCourse] = []
    infos: dict[str, CourseInfo] = {}
    provider_ids: set[int] = set()
    for (
        course_id,
        code,
        title,
        fmt,
        expires,
        event,
        url,
        provider_id,
        eligible,
        tags,
        provider,
        price,
        hours,
        ce_credits,
    ) in course_rows:
        solver_code = codes[course_id]
        if provider_id is not None:  # a private course has no provider (nor packages)
            provider_ids.add(provider_id)
        solver_courses.append(
            SolverCourse(
                code=solver_code,
                provider=provider,
                price=price,
                hours=hours,
                ce_credits=ce_credits,
                credits=course_credits.get(course_id, {}) if eligible else {},
                format=fmt,
                approval_expires=_as_date(expires),
                event_date=_as_date(event),
                title=title,
                tags=_as_tags(tags),
            )
        )
        infos[solver_code] = CourseInfo(course_id, code, provider, title, fmt, price, url)

    packages, package_infos = _packages_for(provider_ids, codes)
    inputs = CatalogInputs(
        subcategory_ids=frozenset(credit_sub_ids),
        tags=frozenset(wanted_tags),
        all_active="total_ce" in extra_kinds,
        course_ids=frozenset(completed_ids) | frozenset(c.id for c in spec.owned),
    )
    index = CourseIndex(courses=infos, packages=package_infos, code_of_course=codes, inputs=inputs)
    problem = Problem(
        required=dict(required),
        courses=tuple(solver_courses),
        packages=packages,
        as_of=spec.as_of,
        # With a biennium ending before the deadline, everything is due by its end.
        deadline=spec.plan_deadline,
        hours_per_week=(
            None if spec.hours_per_week is None else to_hundredths(spec.hours_per_week)
        ),
        formats=spec.formats,
        exclude_providers=frozenset(p.code for p in spec.exclude_providers),
        completed=frozenset(codes[c.id] for c in spec.completed if c.id in codes),
        owned=frozenset(codes[c.id] for c in spec.owned if c.id in codes),
        extras=tuple(
            Extra(
                kind=extra.kind,
                credits=to_hundredths(extra.credits),
                deadline=extra.deadline,
                label=extra.label or None,
                tags=frozenset(extra.tags),
            )
            for extra in spec.extras
        ),
        majors=dict(names.majors),
        alternatives=alternatives,
        time_limit=time_limit if time_limit is not None else settings.CQR_SOLVER_TIME_LIMIT,
    )
    return problem, index


def _packages_for(
    provider_ids: set[int], course_codes: Mapping[int, str]
) -> tuple[tuple[Package, ...], dict[str, PackageInfo]]:
    """Active packages of the candidates' providers, limited to candidate members."""
    items = (
        PackageItem.objects.filter(package__is_active=True, package__provider_id__in=provider_ids)
        .annotate(price_h=_hundredths("package__price"))
        .values_list(
            "package_id",
            "package__code",
            "package__provider__code",
            "package__title",
            "price_h",
            "course_id",
        )
    )
    members: dict[int, list[str]] = defaultdict(list)
    heads: dict[int, tuple[str, str, str, int]] = {}
    for package_id, code, provider, title, price, course_id in items:
        heads[package_id] = (code, provider, title, price)
        if course_id in course_codes:
            members[package_id].append(course_codes[course_id])
    useful = sorted(pid for pid in heads if members[pid])
    codes = _unique_codes((pid, heads[pid][0], heads[pid][1]) for pid in useful)
    packages: list[Package] = []
    infos: dict[str, PackageInfo] = {}
    for pid in useful:
        code, provider, title, price = heads[pid]
        packages.append(
            Package(
                code=codes[pid],
                provider=provider,
                price=price,
                courses=tuple(sorted(members[pid])),
                title=title,
            )
        )
        infos[codes[pid]] = PackageInfo(pid, code, provider, title, price)
    return tuple(packages), infos


@dataclass(frozen=True)
class Recommendation:
    spec: PrescriptionSpec
    problem: Problem
    index: CourseIndex
    result: Result
    document: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)


def recommend(
    spec: PrescriptionSpec,
    *,
    alternatives: int = 0,
    time_limit: float | None = None,
    progress: ProgressCallback | None = None,
) -> Recommendation:
    """Solve a prescription against the catalog (no run rows; the command and runs use it)."""
    started = time.perf_counter()
    problem, index = solver_problem_from_spec(
        spec, alternatives=alternatives, time_limit=time_limit
    )
    loaded = time.perf_counter()
    result = solve(problem, progress)
    solved = time.perf_counter()
    document = recommendation_document(result=result, problem=problem)
    if result.status == "infeasible" and problem.hours_per_week is not None:
        # The smallest change that makes it possible (issue 14): the least weekly hours.
        advice = advise_hours(problem, time_limit=min(ADVICE_SECONDS, problem.time_limit))
        document["least_hours_per_week"] = least_hours_document(advice, problem)
    timings = {
        "load_seconds": round(loaded - started, 4),
        "solve_seconds": round(solved - loaded, 4),
        "total_seconds": round(time.perf_counter() - started, 4),
    }
    return Recommendation(spec, problem, index, result, document, timings)
