"""The `MatchingRun` lifecycle (DESIGN §4): queued -> running (claimed by a conditional
UPDATE) -> done | failed, with bundles stored in one transaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import CatalogRevision
from core.money import format_amount
from matching.models import Bundle, BundleCourse, BundlePurchase, MatchingRun
from matching.services.problem import ProgressCallback, Recommendation, recommend
from prescriptions.documents import (
    PrescriptionInputError,
    prescription_spec_from_model,
)
from prescriptions.models import Prescription

logger = logging.getLogger(__name__)


# A run still "running" this long after its claim was abandoned by a dead worker (the
# solver's budget is seconds); a redelivered task may claim it again.
ABANDONED_AFTER = timedelta(minutes=10)


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
