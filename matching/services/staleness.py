"""Runs made stale by catalog changes: which latest runs a revision may affect, and
re-planning them in batches."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from catalog.models import CatalogRevision, CreditDistribution
from matching.models import BundlePurchase, MatchingRun
from matching.selectors import runs_newest_if_done
from matching.services.runs import run_create


def run_mark_stale_after_catalog_change(*, revision: CatalogRevision) -> int:
    """Mark the latest done runs that this catalog change may affect as stale.

    Affected: open prescriptions (deadline not past) in a discipline where the revision's
    providers have courses, or whose bundles use those providers' courses or packages.
    A revision without providers affects every open prescription. Two queries.
    """
    provider_ids = list(revision.providers.values_list("id", flat=True))
    runs = (
        runs_newest_if_done()
        .filter(catalog_revision__lt=revision.id, prescription__deadline__gte=timezone.localdate())
        .exclude(prescription__status="completed")
    )  # kept as history: never planned
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
