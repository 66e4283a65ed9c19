"""The `MatchingRun` lifecycle (DESIGN §4): queued -> running (claimed by a conditional
UPDATE) -> done | failed, with bundles stored in one transaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.selectors import catalog_active_course_counts, catalog_revision_latest
from core.money import format_amount
from matching.models import Bundle, BundleCourse, BundlePurchase, MatchingRun
from matching.services.problem import ProgressCallback, Recommendation, recommend
from matching.signals import run_finished
from prescriptions.documents import PrescriptionInputError
from prescriptions.models import Prescription
from prescriptions.spec_rows import prescription_spec_from_model

logger = logging.getLogger(__name__)
COMPUTE_TASK = "matching.tasks.compute_bundles"  # the name `shared_task` gives it


# Run attempts before a run that keeps killing its worker (hard time limit, OOM) ends
# failed instead of being redelivered for ever.
MAX_ATTEMPTS = 3

SAVED_NOT_SENT = "Saved, queued — will compute when the worker is back"
SUPERSEDED = "Superseded by a newer edit of the prescription; only the latest is computed."


def run_lease() -> timedelta:
    """How long a claimed run may stay running: twice the solver's budget plus loading and
    storing (longer than the task's hard time limit, see cqr_portal/settings.py)."""
    return timedelta(seconds=2 * float(settings.CQR_SOLVER_TIME_LIMIT) + 30)


def queue_patience() -> timedelta:
    """How long a queued run may wait for a worker before the sweep re-sends it."""
    return timedelta(seconds=float(getattr(settings, "CQR_RUN_QUEUE_PATIENCE", 120)))


def run_create(*, prescription: Prescription, first: bool = False) -> MatchingRun:
    """A queued run for the prescription, published to the broker after commit.

    Queued runs of the same prescription that no worker has started are cancelled (ended
    failed as superseded): only the latest edit is computed (`first`: the prescription was
    just created and has none). The run row is the outbox: a publish that fails (broker
    down) leaves it queued with `sent_at` empty, and `runs_resend_lost` (beat) sends it
    later.
    """
    now = timezone.now()
    if not first:
        MatchingRun.objects.filter(
            prescription=prescription, status=MatchingRun.Status.QUEUED
        ).update(
            status=MatchingRun.Status.FAILED,
            error=SUPERSEDED,
            progress_message="Superseded",
            finished_at=now,
        )
    run = MatchingRun.objects.create(
        prescription=prescription,
        status=MatchingRun.Status.QUEUED,
        catalog_revision=catalog_revision_latest(),
        progress_message="Waiting for a worker",
        lease_expires_at=now + queue_patience(),
    )
    run_id = run.id
    transaction.on_commit(lambda: run_publish(run_id=run_id))
    return run


def run_publish(*, run_id: int) -> bool:
    """Send the run's task to the broker; on failure record it and return False.

    Never raises for a broker error: the prescription is saved and the sweep retries.
    """
    try:
        # Looked up by name in the Celery app's registry, not imported: the task module
        # calls these services, so services never import it (no services <-> tasks circle).
        current_app.tasks[COMPUTE_TASK].apply_async(
            (run_id,),
            retry=True,
            retry_policy=settings.CQR_PUBLISH_RETRY_POLICY,
        )
    except Exception as exc:  # kombu/redis raise many types for "broker unreachable"
        logger.warning("run %s: publish failed, the sweep will resend it (%s)", run_id, exc)
        MatchingRun.objects.filter(id=run_id, status=MatchingRun.Status.QUEUED).update(
            sent_at=None, progress_message=SAVED_NOT_SENT
        )
        return False
    MatchingRun.objects.filter(id=run_id).update(sent_at=timezone.now())
    return True


def runs_resend_lost(*, limit: int = 200) -> int:
    """Beat: re-send unfinished runs whose publish failed or whose lease ran out.

    Queued runs never sent, queued runs past their patience and running runs past their
    lease (the worker died) are published again and their lease renewed; a run that has
    used its attempts ends failed. Duplicate deliveries are harmless (the claim decides).
    Returns the number of runs re-sent.
    """
    now = timezone.now()
    MatchingRun.objects.filter(
        status=MatchingRun.Status.RUNNING, lease_expires_at__lt=now, attempts__gte=MAX_ATTEMPTS
    ).update(
        status=MatchingRun.Status.FAILED,
        error=f"Gave up after {MAX_ATTEMPTS} attempts: the worker stopped each time.",
        progress_message="Failed",
        finished_at=now,
    )
    # A running run past its lease lost its worker: back to the queue, claimable by anyone.
    MatchingRun.objects.filter(status=MatchingRun.Status.RUNNING, lease_expires_at__lt=now).update(
        status=MatchingRun.Status.QUEUED,
        task_id="",
        sent_at=None,
        progress_message="Restarting: the worker stopped",
    )
    lost = Q(status=MatchingRun.Status.QUEUED) & (
        Q(sent_at__isnull=True) | Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True)
    )
    ids = list(MatchingRun.objects.filter(lost).order_by("id").values_list("id", flat=True)[:limit])
    sent = 0
    for run_id in ids:
        # Renew first so the next sweep does not send it again while it waits in the queue.
        MatchingRun.objects.filter(id=run_id, status=MatchingRun.Status.QUEUED).update(
            lease_expires_at=now + queue_patience()
        )
        if not run_publish(run_id=run_id):
            break  # the broker is down: try again at the next sweep
        sent += 1
    return sent


def _run_claim(run_id: int, task_id: str) -> int | None:
    """Claim the run for task `task_id` by a conditional UPDATE; the attempt number on
    success (the fencing token `_run_store` checks), None when someone else owns it.

    Claimable: queued; running but owned by the same task id (a redelivered copy after
    the worker's child died: take over at once); running past its lease (any task).
    """
    now = timezone.now()
    claimable = Q(status=MatchingRun.Status.QUEUED) | Q(
        status=MatchingRun.Status.RUNNING, lease_expires_at__lt=now
    )
    if task_id:
        claimable |= Q(status=MatchingRun.Status.RUNNING, task_id=task_id)
    claimable &= Q(attempts__lt=MAX_ATTEMPTS)
    updated = MatchingRun.objects.filter(claimable, id=run_id).update(
        status=MatchingRun.Status.RUNNING,
        task_id=task_id,
        started_at=now,
        lease_expires_at=now + run_lease(),
        attempts=F("attempts") + 1,
        progress=0,
        progress_message="Loading the catalog",
        error="",
    )
    if updated != 1:
        return None
    return MatchingRun.objects.filter(id=run_id).values_list("attempts", flat=True).get()


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


def run_execute(*, run_id: int, task_id: str = "") -> None:
    """Compute a run: claim it, solve, store bundles and the document in one transaction.

    A duplicate delivery (run done, failed, or owned by another live task) changes
    nothing; a redelivery of the owning task takes over. Input or solver errors (and the
    soft time limit) end the run `failed` with the message; transient database errors put
    the run back to `queued` and propagate so the task retries.
    """
    attempt = _run_claim(run_id, task_id)
    if attempt is None:
        _run_fail_if_exhausted(run_id)
        logger.info("run %s: not claimable (duplicate delivery or finished)", run_id)
        return
    run = MatchingRun.objects.select_related("prescription__outline__discipline").get(id=run_id)
    started = time.perf_counter()
    stored = False
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
        if _run_store(run, recommendation, started=started, attempt=attempt):
            stored = True
    except (OperationalError, InterfaceError):
        MatchingRun.objects.filter(
            id=run_id, status=MatchingRun.Status.RUNNING, attempts=attempt
        ).update(
            status=MatchingRun.Status.QUEUED,
            task_id="",
            progress_message="Retrying after a database error",
        )
        raise
    except PrescriptionInputError as exc:
        run_fail(run_id=run_id, error=f"Invalid prescription: {exc}")
    except Exception as exc:  # the run must end failed, never stay "running"
        logger.exception("run %s failed", run_id)
        run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
    if stored:
        _announce_finished(run_id)


def _run_fail_if_exhausted(run_id: int) -> None:
    """A redelivery of a run that used all its attempts ends it failed."""
    MatchingRun.objects.filter(
        Q(status=MatchingRun.Status.QUEUED) | Q(lease_expires_at__lt=timezone.now()),
        id=run_id,
        status__in=[MatchingRun.Status.QUEUED, MatchingRun.Status.RUNNING],
        attempts__gte=MAX_ATTEMPTS,
    ).update(
        status=MatchingRun.Status.FAILED,
        error=f"Gave up after {MAX_ATTEMPTS} attempts: the worker stopped each time.",
        progress_message="Failed",
        finished_at=timezone.now(),
    )


def run_fail(*, run_id: int, error: str) -> None:
    MatchingRun.objects.filter(id=run_id).exclude(status=MatchingRun.Status.DONE).update(
        status=MatchingRun.Status.FAILED,
        error=error,
        progress_message="Failed",
        finished_at=timezone.now(),
    )


@transaction.atomic
def _run_store(
    run: MatchingRun, recommendation: Recommendation, *, started: float, attempt: int
) -> bool:
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
    # The proof's "out of N … and M of your own": what this run could search.
    counts = catalog_active_course_counts(run.prescription.owner_id)
    stats["catalog_courses"], stats["own_courses"] = counts.catalog, counts.own
    updated = MatchingRun.objects.filter(
        id=run.id, status=MatchingRun.Status.RUNNING, attempts=attempt
    ).update(
        status=MatchingRun.Status.DONE,
        outcome=result.status,
        gap=result.gap,
        result=document,
        stats=stats,
        catalog_inputs=index.inputs.as_json(),
        progress=100,
        progress_message="Done",
        error="",
        finished_at=timezone.now(),
    )
    if updated != 1:  # another worker took it over meanwhile: keep its result
        transaction.set_rollback(True)
        return False
    return True


def _announce_finished(run_id: int) -> None:
    """Tell subscribers (follow-up's plan alert) that a run's bundles are committed; a
    failing subscriber is logged and never undoes the run."""
    run = MatchingRun.objects.select_related("prescription").get(id=run_id)
    for receiver, result in run_finished.send_robust(sender=MatchingRun, run=run):
        if isinstance(result, Exception):
            logger.error("run %s: %s failed", run_id, receiver, exc_info=result)


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
