"""Runs made stale by catalog changes: which latest runs a revision may affect, and
re-planning them in batches, once per prescription however many imports came in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from catalog.importers.bulk import chunks
from catalog.models import CatalogRevision, Course, CreditDistribution, PackageItem
from matching.models import BundleCourse, BundlePurchase, MatchingRun
from matching.selectors import runs_newest_if_done
from matching.services.problem import CatalogInputs
from matching.services.runs import run_create


@dataclass
class CatalogTouch:
    """What a set of written courses and packages offers now: the active courses among
    them (and among the changed packages' members), their subcategories and tags."""

    course_ids: frozenset[int]
    package_ids: frozenset[int]
    active_courses: bool = False
    subcategory_ids: set[int] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, course_ids: Iterable[int], package_ids: Iterable[int]) -> CatalogTouch:
        touch = cls(frozenset(course_ids), frozenset(package_ids))
        offered = set(touch.course_ids)
        for chunk in chunks(sorted(touch.package_ids)):
            offered.update(
                PackageItem.objects.filter(package_id__in=chunk).values_list("course_id", flat=True)
            )
        for chunk in chunks(sorted(offered)):
            active = Course.objects.filter(id__in=chunk, is_active=True)
            for tags in active.values_list("tags", flat=True):
                touch.active_courses = True
                touch.tags.update(tags or ())
            touch.subcategory_ids.update(
                CreditDistribution.objects.filter(course__in=active)
                .values_list("subcategory_id", flat=True)
                .distinct()
            )
        return touch

    def may_change(self, inputs: CatalogInputs) -> bool:
        """Whether these courses, as they are now, could enter the plan of a run with
        `inputs` (a new candidate, or a candidate that got cheaper or more credits)."""
        return bool(
            (inputs.all_active and self.active_courses)
            or inputs.subcategory_ids & self.subcategory_ids
            or inputs.tags & self.tags
            or inputs.course_ids & self.course_ids
        )


def run_mark_stale_after_catalog_change(
    *,
    revision: CatalogRevision,
    course_ids: Iterable[int] | None = None,
    package_ids: Iterable[int] | None = None,
) -> int:
    """Mark the latest done runs of open prescriptions (deadline not past) that this
    catalog change may affect as stale; returns how many.

    With `course_ids`/`package_ids` (what the change wrote), a run is affected when its
    bundles use one of them (a course or package that got dearer, lost credits or was
    retired), or when one of them could now enter its plan (`CatalogTouch.may_change`
    against the inputs the run recorded): other changes cannot alter the best plan.
    Without them, or for a run stored before its inputs were recorded: open
    prescriptions in a discipline where the revision's providers have courses, or whose
    bundles use those providers' courses or packages; a revision without providers
    affects every open prescription. A revision that changed disciplines' outlines (a new
    version, another version in force) also affects every open prescription of those
    disciplines; naming only outlines, it affects nothing else.
    """
    runs = (
        runs_newest_if_done()
        .filter(catalog_revision__lt=revision.id, prescription__deadline__gte=timezone.localdate())
        .exclude(prescription__status="completed")
    )  # kept as history: never planned
    discipline_ids = set(revision.disciplines.values_list("id", flat=True))
    in_outline: set[int] = set()
    if discipline_ids:
        in_outline = set(
            runs.filter(prescription__outline__discipline_id__in=discipline_ids).values_list(
                "id", flat=True
            )
        )
    if course_ids is None and package_ids is None:
        if discipline_ids and not revision.providers.exists():
            ids = sorted(in_outline)
        else:
            by_provider = _by_provider(runs, revision).values_list("id", flat=True)
            ids = sorted(set(by_provider) | in_outline)
    else:
        written = _by_written_records(runs, revision, set(course_ids or ()), set(package_ids or ()))
        ids = sorted(set(written) | in_outline)
    if not ids:
        return 0
    return MatchingRun.objects.filter(id__in=ids).update(is_stale=True)


def run_mark_stale_for_owner(*, owner_id: int) -> int:
    """Mark the latest done runs of the owner's open prescriptions stale: one of their own
    courses was added, changed or deleted (only their prescriptions can use it)."""
    ids = list(
        runs_newest_if_done()
        .filter(prescription__owner_id=owner_id, prescription__deadline__gte=timezone.localdate())
        .values_list("id", flat=True)
    )
    if not ids:
        return 0
    return MatchingRun.objects.filter(id__in=ids).update(is_stale=True)


def run_mark_stale_for_template(*, template_id: int) -> int:
    """Mark the latest done runs of open prescriptions planned with an obligation of this
    template stale: site staff changed its rule, so the plan may no longer meet it."""
    ids = list(
        runs_newest_if_done()
        .filter(
            prescription__obligations__template_id=template_id,
            prescription__deadline__gte=timezone.localdate(),
        )
        .exclude(prescription__status="completed")
        .values_list("id", flat=True)
        .distinct()
    )
    if not ids:
        return 0
    return MatchingRun.objects.filter(id__in=ids).update(is_stale=True)


def _by_provider(runs: QuerySet[MatchingRun], revision: CatalogRevision) -> QuerySet[MatchingRun]:
    provider_ids = list(revision.providers.values_list("id", flat=True))
    if not provider_ids:
        return runs
    in_discipline = CreditDistribution.objects.filter(
        course__provider_id__in=provider_ids,
        subcategory__outline__discipline_id=OuterRef("prescription__outline__discipline_id"),
    )
    uses_provider = BundlePurchase.objects.filter(bundle__run_id=OuterRef("id")).filter(
        Q(course__provider_id__in=provider_ids) | Q(package__provider_id__in=provider_ids)
    )
    return runs.filter(Exists(in_discipline) | Exists(uses_provider))


def _by_written_records(
    runs: QuerySet[MatchingRun],
    revision: CatalogRevision,
    course_ids: set[int],
    package_ids: set[int],
) -> list[int]:
    candidates = dict(runs.values_list("id", "catalog_inputs"))
    if not candidates or not (course_ids or package_ids):
        return []
    legacy = [
        run_id for run_id, data in candidates.items() if CatalogInputs.from_json(data) is None
    ]
    affected: set[int] = set()
    if legacy:
        legacy_runs = MatchingRun.objects.filter(id__in=legacy)
        affected.update(_by_provider(legacy_runs, revision).values_list("id", flat=True))
    run_ids = sorted(candidates)
    # Bought or scheduled in a bundle of the run: any change to it may change the plan.
    for chunk in chunks(run_ids):
        purchases = BundlePurchase.objects.filter(bundle__run_id__in=chunk)
        for run_id, course_id, package_id in purchases.values_list(
            "bundle__run_id", "course_id", "package_id"
        ):
            if course_id in course_ids or package_id in package_ids:
                affected.add(run_id)
        items = BundleCourse.objects.filter(bundle__run_id__in=chunk, course_id__isnull=False)
        for run_id, course_id in items.values_list("bundle__run_id", "course_id"):
            if course_id in course_ids:
                affected.add(run_id)
    touch = CatalogTouch.load(course_ids, package_ids)
    for run_id, data in candidates.items():
        inputs = CatalogInputs.from_json(data)
        if inputs is not None and touch.may_change(inputs):
            affected.add(run_id)
    return sorted(affected)


def replan_quiet() -> timedelta:
    """Re-planning waits until the catalog has been quiet this long, so a series of
    imports is planned once, on the last one."""
    return timedelta(seconds=float(getattr(settings, "CQR_REPLAN_QUIET_SECONDS", 60)))


def replan_max_wait() -> timedelta:
    """...but a run never waits longer than this after it went stale (steady imports)."""
    return timedelta(seconds=float(getattr(settings, "CQR_REPLAN_MAX_WAIT_SECONDS", 600)))


def replan_due(*, now: datetime | None = None) -> bool:
    """Whether stale runs should be re-planned now: the newest catalog revision is older
    than the quiet period, or the oldest stale run has waited the maximum already."""
    moment = now or timezone.now()
    latest = CatalogRevision.objects.order_by("-id").values_list("created_at", flat=True).first()
    if latest is None or latest <= moment - replan_quiet():
        return True
    oldest = MatchingRun.objects.filter(is_stale=True).aggregate(rev=Min("catalog_revision"))
    if oldest["rev"] is None:
        return False
    went_stale = (
        CatalogRevision.objects.filter(id__gt=oldest["rev"])
        .order_by("id")
        .values_list("created_at", flat=True)
        .first()
    )
    return went_stale is not None and went_stale <= moment - replan_max_wait()


def replan_stale(*, batch_size: int = 50, coalesce: bool = False) -> int:
    """Create new runs for stale ones, `batch_size` per transaction; returns runs created.

    The stale run stays for history with `is_stale` cleared (its successor supersedes it).
    A prescription that already has a newer run gets no extra one. With `coalesce` (the
    beat job) nothing happens while imports are still coming in (`replan_due`): a run
    marked stale by several imports is computed once, after the last.
    """
    if coalesce and not replan_due():
        return 0
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
