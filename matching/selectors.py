"""Matching reads: runs for their owner, the latest run of a prescription, bundles."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404

from catalog.models import CreditDistribution, PackageItem
from core.db_json import json_rows_of
from matching.models import Bundle, BundleCourse, BundlePurchase, MatchingRun
from prescriptions.models import Prescription


def run_get_for_user(*, user: Any, run_id: int) -> MatchingRun:
    """The run if it belongs to one of the user's prescriptions; 404 for missing and
    not-yours alike (no hint that another user's run exists)."""
    if not getattr(user, "is_authenticated", False):
        raise_404()
    return get_object_or_404(
        MatchingRun.objects.select_related("prescription__outline__discipline"),
        id=run_id,
        prescription__owner=user,
    )


def raise_404() -> None:
    from django.http import Http404

    raise Http404("No such run")


def run_latest_for_prescription(prescription: Prescription) -> MatchingRun | None:
    """The prescription's most recent run (any status), or None."""
    return (
        MatchingRun.objects.filter(prescription=prescription).order_by("-created_at", "-id").first()
    )


def runs_latest_done(*, prescriptions: QuerySet[Prescription]) -> QuerySet[MatchingRun]:
    """Each prescription's most recent *finished* run; a newer queued or running run does
    not hide it (what the provider dashboard counts)."""
    newer_done = MatchingRun.objects.filter(
        prescription_id=OuterRef("prescription_id"),
        status=MatchingRun.Status.DONE,
        id__gt=OuterRef("id"),
    )
    return MatchingRun.objects.filter(
        prescription__in=prescriptions, status=MatchingRun.Status.DONE
    ).filter(~Exists(newer_done))


def runs_newest_if_done() -> QuerySet[MatchingRun]:
    """Runs that are their prescription's newest run of any status, when done and not
    stale: the results a catalog change can make stale (a newer run supersedes them)."""
    newer = MatchingRun.objects.filter(
        prescription_id=OuterRef("prescription_id"), id__gt=OuterRef("id")
    )
    return MatchingRun.objects.filter(status=MatchingRun.Status.DONE, is_stale=False).filter(
        ~Exists(newer)
    )


def course_credit_rows() -> Any:
    """An annotation of a row with a `course_id`: its course's credit distribution rows
    (subcategory id, credits) as `core.db_json.JsonRows` text, read with the row."""
    return json_rows_of(
        CreditDistribution.objects, "course_id", "course_id", "subcategory_id", "credits"
    )


def bundle_contents_prefetch(prefix: str = "") -> list[Prefetch[Any]]:
    """Prefetches of a bundle's purchases and scheduled courses with their catalog rows;
    `prefix` reaches the bundle from another model ("bundle__" from a plan). A purchase
    carries its package's members (`package_member_rows`: PackageItem id, course id) and
    a scheduled course its credit rows (`course_credit_rows`), so the pages read neither
    with a query of their own."""
    purchases = BundlePurchase.objects.select_related(
        "course__provider", "package__provider"
    ).annotate(
        package_member_rows=json_rows_of(
            PackageItem.objects, "package_id", "package_id", "id", "course_id"
        )
    )
    items = (
        BundleCourse.objects.select_related("course__provider")
        .annotate(course_credit_rows=course_credit_rows())
        .order_by("position")
    )
    return [
        Prefetch(f"{prefix}purchases", queryset=purchases.order_by("id")),
        Prefetch(f"{prefix}items", queryset=items),
    ]


def bundles_for_run(run: MatchingRun) -> QuerySet[Bundle]:
    """The run's bundles by rank, with purchases and scheduled courses (and their catalog
    rows) prefetched: a fixed number of queries however many bundles and courses."""
    return (
        Bundle.objects.filter(run=run)
        .order_by("rank")
        .prefetch_related(*bundle_contents_prefetch())
    )


def bundles_with_contents(run: MatchingRun) -> list[Bundle]:
    """`bundles_for_run` as a list; a run read with its bundles (`ranked_bundles`,
    plans.selectors.pages.run_latest_with_plan_state) gets only their contents."""
    loaded: list[Bundle] | None = getattr(run, "ranked_bundles", None)
    if loaded is None:
        return list(bundles_for_run(run))
    prefetch_related_objects(loaded, *bundle_contents_prefetch())
    return loaded
