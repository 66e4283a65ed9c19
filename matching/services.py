"""The matching engine's Django side: catalog rows -> solver input, solver output -> runs.

`matching.solver` is pure; this module is its only adapter. It loads a prescription's
candidate courses with a handful of `values_list` queries (no model instance per course),
turns the solver's Result into the `cqr-recommendation/1` document (contract §3, plus the
extensions documented in docs/exchange-format.md), and runs the `MatchingRun` lifecycle
(DESIGN §4): queued -> running (claimed by a conditional UPDATE) -> done | failed.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from django.db.models import Exists, F, IntegerField, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Cast, Round
from django.utils import timezone

from catalog.models import CatalogRevision, Course, CreditDistribution, PackageItem
from core.money import format_amount, to_hundredths
from matching.models import Bundle, BundleCourse, BundlePurchase, MatchingRun
from matching.solver import Course as SolverCourse
from matching.solver import Extra, Package, Problem, Result, solve
from prescriptions.documents import (
    PrescriptionInputError,
    PrescriptionSpec,
    SubcategoryNames,
    prescription_spec_from_model,
)
from prescriptions.models import Prescription

logger = logging.getLogger(__name__)

RECOMMENDATION_FORMAT = "cqr-recommendation/1"
# Reasons that explain an infeasible prescription (the rest are bookkeeping).
EXPLAINING_REASONS = (
    "deadline",
    "approval expired",
    "event date",
    "format",
    "excluded provider",
    "weekly hours",
    "not sold",
)
MAX_LISTED_EXCLUSIONS = 100
# A run still "running" this long after its claim was abandoned by a dead worker (the
# solver's budget is seconds); a redelivered task may claim it again.
ABANDONED_AFTER = timedelta(minutes=10)

ProgressCallback = Callable[[int, str], None]


# ---------------------------------------------------------------------------------------
# Catalog slice -> solver Problem
# ---------------------------------------------------------------------------------------


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
class CourseIndex:
    """Solver codes <-> catalog rows for one Problem (codes are unique within it)."""

    courses: Mapping[str, CourseInfo]  # solver code -> course
    packages: Mapping[str, PackageInfo]  # solver code -> package
    code_of_course: Mapping[int, str]  # course id -> solver code

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


def _course_credits(
    rows: Iterable[tuple[int, int, int]], names: SubcategoryNames
) -> dict[int, dict[str, int]]:
    """course id -> {current subcategory name: hundredths}.

    Rows on different outline versions that map to the same current subcategory are not
    added up (that would count one credit twice): within a version they sum, across
    versions the largest total wins.
    """
    per_version: dict[tuple[int, str, int], int] = defaultdict(int)
    for course_id, sub_id, credits in rows:
        key = names.canonical(sub_id)
        if key is not None:
            per_version[course_id, key, names.outline_of(sub_id)] += credits
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for (course_id, key, _), value in per_version.items():
        current = result[course_id].get(key, 0)
        result[course_id][key] = max(current, value)
    return result


def solver_problem_from_spec(
    spec: PrescriptionSpec, *, alternatives: int = 0, time_limit: float | None = None
) -> tuple[Problem, CourseIndex]:
    """The solver input for a prescription: its candidate slice of the catalog.

    Queries: the discipline's subcategory names (4), distribution rows (1), courses (1),
    package items (1). Candidates are the active, CQR-eligible courses with a row in a
    required subcategory of the discipline (any outline version, resolved to the current
    name); with `total_discipline`/`major_minimum` extras every course with a row in the
    discipline; with `total_ce` every active course. Completed courses are always loaded
    (their credits subtract from the requirement).
    """
    names = SubcategoryNames(current=spec.outline)
    required: dict[str, int] = defaultdict(int)
    for sub, credits in spec.required:
        required[names.canonical(sub.id) or sub.name] += to_hundredths(credits)
    extra_kinds = {kind for kind, _ in spec.extras}
    discipline_sub_ids = names.all_ids()

    if extra_kinds & {"total_discipline", "major_minimum"}:
        credit_sub_ids = discipline_sub_ids
    else:
        credit_sub_ids = names.ids_for(required)
    eligible_rows = CreditDistribution.objects.filter(
        subcategory_id__in=credit_sub_ids, course__is_active=True, course__cqr_eligible=True
    )
    completed_ids = [c.id for c in spec.completed]
    courses_q = Q(id__in=eligible_rows.values("course_id")) | Q(id__in=completed_ids)
    if "total_ce" in extra_kinds:
        courses_q |= Q(is_active=True)
    course_rows = _fetch(
        Course.objects.filter(courses_q)
        .annotate(
            price_h=_hundredths("price"),
            hours_h=_hundredths("hours"),
            ce_credits_h=_hundredths("ce_credits"),
        )
        .values_list(
            "id",
            "code",
            "provider__code",
            "title",
            "format",
            "approval_expires",
            "event_date",
            "url",
            "provider_id",
            "cqr_eligible",
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
        row_filter = Q(subcategory_id__in=discipline_sub_ids, course__is_active=True)
    credit_rows = _fetch(
        CreditDistribution.objects.filter(row_filter)
        .annotate(credits_h=_hundredths("credits"))
        .values_list("course_id", "subcategory_id", "credits_h")
    )
    course_credits = _course_credits(credit_rows, names)

    codes = _unique_codes((row[0], row[1], row[2]) for row in course_rows)
    solver_courses: list[SolverCourse] = []
    infos: dict[str, CourseInfo] = {}
    provider_ids: set[int] = set()
    for (
        course_id,
        code,
        provider,
        title,
        fmt,
        expires,
        event,
        url,
        provider_id,
        eligible,
        price,
        hours,
        ce_credits,
    ) in course_rows:
        solver_code = codes[course_id]
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
            )
        )
        infos[solver_code] = CourseInfo(course_id, code, provider, title, fmt, price, url)

    packages, package_infos = _packages_for(provider_ids, codes)
    index = CourseIndex(courses=infos, packages=package_infos, code_of_course=codes)
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
        extras=tuple(Extra(kind=kind, credits=to_hundredths(value)) for kind, value in spec.extras),
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


# ---------------------------------------------------------------------------------------
# Solve and render the cqr-recommendation/1 document
# ---------------------------------------------------------------------------------------


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
    timings = {
        "load_seconds": round(loaded - started, 4),
        "solve_seconds": round(solved - loaded, 4),
        "total_seconds": round(time.perf_counter() - started, 4),
    }
    return Recommendation(spec, problem, index, result, document, timings)


def recommendation_document(*, result: Result, problem: Problem) -> dict[str, Any]:
    """Contract §3 document, decimals as strings; extensions per docs/exchange-format.md."""
    if result.status == "timeout":
        return recommendation_error_document(
            "the time limit was reached before any plan was found "
            f"({problem.time_limit:g} s); try a longer --time-limit",
            reason="timeout",
        )
    document: dict[str, Any] = {
        "format": RECOMMENDATION_FORMAT,
        "status": result.status,
    }
    if result.status == "feasible":
        document["gap"] = round(result.gap, 6) if result.gap is not None else None
    document["bundles"] = [_bundle_document(bundle) for bundle in result.bundles]
    document["shortfall"] = [
        {
            "category": item.category,
            "required": format_amount(item.required),
            "available": format_amount(item.available),
        }
        for item in result.shortfall
    ]
    if result.status == "infeasible":
        exclusions = _explaining_exclusions(result, problem)
        reasons: dict[str, int] = defaultdict(int)
        for _, reason in exclusions:
            reasons[reason] += 1
        document["reasons"] = [
            {"reason": reason, "courses": reasons[reason]}
            for reason in sorted(reasons, key=lambda r: (-reasons[r], r))
        ]
        document["exclusions"] = [
            {"course": code, "reason": reason}
            for code, reason in exclusions[:MAX_LISTED_EXCLUSIONS]
        ]
    return document


def recommendation_error_document(message: str, *, reason: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": RECOMMENDATION_FORMAT,
        "status": "error",
        "message": message,
        "bundles": [],
        "shortfall": [],
    }
    if reason:
        document["reason"] = reason
    return document


def _bundle_document(bundle: Any) -> dict[str, Any]:
    schedule: list[dict[str, Any]] = []
    for item in bundle.schedule:
        entry: dict[str, Any] = {"course": item.course, "complete_by": item.complete_by.isoformat()}
        if item.start_by is not None:
            entry["start_by"] = item.start_by.isoformat()
        if getattr(item, "finish_by", None) is not None:
            entry["finish_by"] = item.finish_by.isoformat()
        if item.slack_days is not None:
            entry["slack_days"] = item.slack_days
        schedule.append(entry)
    return {
        "rank": bundle.rank,
        "label": bundle.label,
        "price": format_amount(bundle.price),
        "price_delta": format_amount(bundle.price_delta),
        "hours": format_amount(bundle.hours),
        "ce_credits": format_amount(bundle.ce_credits),
        "purchases": [
            {"kind": p.kind, "code": p.code, "price": format_amount(p.price)}
            for p in bundle.purchases
        ],
        "courses": list(bundle.courses),
        "credits": {key: format_amount(value) for key, value in bundle.credits.items()},
        "schedule": schedule,
        "slack_days": bundle.slack_days,
    }


def _explaining_exclusions(result: Result, problem: Problem) -> list[tuple[str, str]]:
    """Exclusions that removed a course able to help a short category, most useful first."""
    short = {item.category for item in result.shortfall}
    helps_short = {
        course.code
        for course in problem.courses
        if any(course.credits.get(key, 0) > 0 for key in short)
        or (short - set(problem.required) and course.ce_credits > 0)
    }
    order = {reason: i for i, reason in enumerate(EXPLAINING_REASONS)}
    picked = [
        (e.course, e.reason)
        for e in result.exclusions
        if e.reason in order and (e.course in helps_short or e.course == "*")
    ]
    return sorted(picked, key=lambda item: (order[item[1]], item[0]))


# ---------------------------------------------------------------------------------------
# Runs (DESIGN §4)
# ---------------------------------------------------------------------------------------


def catalog_revision_latest() -> int:
    return CatalogRevision.objects.order_by("-id").values_list("id", flat=True).first() or 0


def run_create(*, prescription: Prescription) -> MatchingRun:
    """A queued run for the prescription; the computation is enqueued after commit."""
    from matching.tasks import compute_bundles

    run = MatchingRun.objects.create(
        prescription=prescription,
        status=MatchingRun.Status.QUEUED,
        catalog_revision=catalog_revision_latest(),
        progress_message="Waiting for a worker",
    )
    run_id = run.id
    transaction.on_commit(lambda: compute_bundles.delay(run_id))
    return run


def _run_claim(run_id: int) -> bool:
    """queued -> running by a conditional UPDATE: exactly one delivery wins."""
    now = timezone.now()
    claimable = Q(status=MatchingRun.Status.QUEUED) | Q(
        status=MatchingRun.Status.RUNNING, started_at__lt=now - ABANDONED_AFTER
    )
    return (
        MatchingRun.objects.filter(claimable, id=run_id).update(
            status=MatchingRun.Status.RUNNING,
            started_at=now,
            attempts=F("attempts") + 1,
            progress=0,
            progress_message="Loading the catalog",
            error="",
        )
        == 1
    )


def _run_progress_callback(run_id: int) -> ProgressCallback:
    last = {"percent": -1}

    def report(percent: int, message: str) -> None:
        percent = max(0, min(100, int(percent)))
        if percent == last["percent"]:
            return
        last["percent"] = percent
        MatchingRun.objects.filter(id=run_id, status=MatchingRun.Status.RUNNING).update(
            progress=percent, progress_message=message[:200]
        )

    return report


def run_execute(*, run_id: int) -> None:
    """Compute a run: claim it, solve, store bundles and the document in one transaction.

    A duplicate delivery (run already claimed, done or failed) changes nothing. Input or
    solver errors end the run `failed` with the message; transient database errors put
    the run back to `queued` and propagate so the task retries.
    """
    if not _run_claim(run_id):
        logger.info("run %s: not claimable (duplicate delivery or finished)", run_id)
        return
    run = MatchingRun.objects.select_related("prescription").get(id=run_id)
    started = time.perf_counter()
    try:
        spec = prescription_spec_from_model(run.prescription)
        recommendation = recommend(
            spec,
            # The bundles page compares alternatives side by side (issue 5).
            alternatives=getattr(settings, "CQR_RUN_ALTERNATIVES", 3),
            progress=_run_progress_callback(run_id),
        )
        if recommendation.document["status"] == "error":
            run_fail(run_id=run_id, error=recommendation.document["message"])
            return
        _run_store(run, recommendation, started=started)
    except (OperationalError, InterfaceError):
        MatchingRun.objects.filter(id=run_id, status=MatchingRun.Status.RUNNING).update(
            status=MatchingRun.Status.QUEUED, progress_message="Retrying after a database error"
        )
        raise
    except PrescriptionInputError as exc:
        run_fail(run_id=run_id, error=f"Invalid prescription: {exc}")
    except Exception as exc:  # the run must end failed, never stay "running"
        logger.exception("run %s failed", run_id)
        run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")


def run_fail(*, run_id: int, error: str) -> None:
    MatchingRun.objects.filter(id=run_id).exclude(status=MatchingRun.Status.DONE).update(
        status=MatchingRun.Status.FAILED,
        error=error,
        progress_message="Failed",
        finished_at=timezone.now(),
    )


@transaction.atomic
def _run_store(run: MatchingRun, recommendation: Recommendation, *, started: float) -> None:
    document = recommendation.document
    result = recommendation.result
    index = recommendation.index
    owned = recommendation.problem.owned
    bundles = Bundle.objects.bulk_create(
        [
            Bundle(
                run=run,
                rank=b.rank,
                label=b.label[:120],
                price=Decimal(b.price) / 100,
                price_delta=Decimal(b.price_delta) / 100,
                hours=Decimal(b.hours) / 100,
                ce_credits=Decimal(b.ce_credits) / 100,
                credits={key: format_amount(v) for key, v in b.credits.items()},
                slack_days=b.slack_days,
            )
            for b in result.bundles
        ]
    )
    if bundles and bundles[0].pk is None:  # backends without RETURNING on bulk insert
        bundles = list(Bundle.objects.filter(run=run).order_by("rank"))
    purchases: list[BundlePurchase] = []
    items: list[BundleCourse] = []
    for row, bundle in zip(bundles, result.bundles, strict=True):
        for p in bundle.purchases:
            course = index.courses.get(p.code) if p.kind == "course" else None
            package = index.packages.get(p.code) if p.kind == "package" else None
            info = course or package
            purchases.append(
                BundlePurchase(
                    bundle=row,
                    kind=p.kind,
                    code=(info.code if info else p.code)[:100],
                    course_id=course.id if course else None,
                    package_id=package.id if package else None,
                    price=Decimal(p.price) / 100,
                )
            )
        for position, item in enumerate(bundle.schedule):
            course = index.courses.get(item.course)
            items.append(
                BundleCourse(
                    bundle=row,
                    course_id=course.id if course else None,
                    code=(course.code if course else item.course)[:100],
                    position=position,
                    complete_by=item.complete_by,
                    start_by=item.start_by,
                    owned=item.course in owned,
                )
            )
    BundlePurchase.objects.bulk_create(purchases)
    BundleCourse.objects.bulk_create(items)
    stats = _json_safe(dict(result.stats))
    stats["timings"] = {
        **recommendation.timings,
        "run_seconds": round(time.perf_counter() - started, 4),
    }
    stats["loaded_courses"] = len(recommendation.problem.courses)
    updated = MatchingRun.objects.filter(id=run.id, status=MatchingRun.Status.RUNNING).update(
        status=MatchingRun.Status.DONE,
        outcome=result.status,
        gap=result.gap,
        result=document,
        stats=stats,
        progress=100,
        progress_message="Done",
        error="",
        finished_at=timezone.now(),
    )
    if updated != 1:  # another worker took it over meanwhile: keep its result
        transaction.set_rollback(True)


def _json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------------------------------
# Stale runs after catalog changes
# ---------------------------------------------------------------------------------------


def _latest_done_runs() -> Any:
    newer = MatchingRun.objects.filter(
        prescription_id=OuterRef("prescription_id"), id__gt=OuterRef("id")
    )
    return MatchingRun.objects.filter(status=MatchingRun.Status.DONE, is_stale=False).filter(
        ~Exists(newer)
    )


def run_mark_stale_after_catalog_change(*, revision: CatalogRevision) -> int:
    """Mark the latest done runs that this catalog change may affect as stale.

    Affected: open prescriptions (deadline not past) in a discipline where the revision's
    providers have courses, or whose bundles use those providers' courses or packages.
    A revision without providers affects every open prescription. Two queries.
    """
    provider_ids = list(revision.providers.values_list("id", flat=True))
    runs = _latest_done_runs().filter(
        catalog_revision__lt=revision.id, prescription__deadline__gte=timezone.localdate()
    )
    if provider_ids:
        in_discipline = CreditDistribution.objects.filter(
            course__provider_id__in=provider_ids,
            subcategory__outline__discipline_id=OuterRef("prescription__outline__discipline_id"),
        )
        uses_provider = BundlePurchase.objects.filter(bundle__run_id=OuterRef("id")).filter(
            Q(course__provider_id__in=provider_ids) | Q(package__provider_id__in=provider_ids)
        )
        runs = runs.filter(Exists(in_discipline) | Exists(uses_provider))
    ids = list(runs.values_list("id", flat=True))
    if not ids:
        return 0
    return MatchingRun.objects.filter(id__in=ids).update(is_stale=True)


def replan_stale(*, batch_size: int = 50) -> int:
    """Create new runs for stale ones, `batch_size` per transaction; returns runs created.

    The stale run stays for history with `is_stale` cleared (its successor supersedes it).
    A prescription that already has a newer run gets no extra one.
    """
    created = 0
    while True:
        with transaction.atomic():
            batch = list(
                MatchingRun.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(is_stale=True)
                .select_related("prescription")
                .order_by("id")[:batch_size]
            )
            if not batch:
                return created
            ids = [run.id for run in batch]
            newest = dict(
                MatchingRun.objects.filter(
                    prescription_id__in={run.prescription_id for run in batch}
                )
                .values("prescription_id")
                .annotate(newest=Max("id"))
                .values_list("prescription_id", "newest")
            )
            has_newer = {
                run.prescription_id for run in batch if newest[run.prescription_id] > run.id
            }
            MatchingRun.objects.filter(id__in=ids).update(is_stale=False)
            for prescription in {run.prescription_id: run.prescription for run in batch}.values():
                if prescription.id not in has_newer:
                    run_create(prescription=prescription)
                    created += 1
