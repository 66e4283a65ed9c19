"""Runs through a real Celery worker (in-process, solo pool) on a real Redis broker.

Skipped with a clear reason when Redis is unreachable, unless CQR_REQUIRE_SERVICES is set
(`make test` sets it, so CI fails instead of skipping).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
import redis
from celery import Celery
from celery import _state as celery_state
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from django.db import transaction

from cqr_portal.celery import app as default_app
from matching.models import MatchingRun
from matching.services.runs import run_create
from matching.tasks import compute_bundles

REDIS_URL = os.environ.get("CQR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = [pytest.mark.celery_redis, pytest.mark.django_db(transaction=True)]


def _require_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).flushdb()
    except redis.RedisError as exc:
        reason = f"Redis is not reachable at {REDIS_URL} ({exc})"
        if os.environ.get("CQR_REQUIRE_SERVICES"):
            pytest.fail(f"{reason}; CQR_REQUIRE_SERVICES is set, so this is an error")
        pytest.skip(f"{reason}; start it (see TOOLCHAIN §2) or set CQR_REQUIRE_SERVICES=1")


@pytest.fixture(scope="module")
def redis_app() -> Iterator[Celery]:
    """A Celery app on Redis (not eager), current for this module only.

    `start_worker` also makes it the process-wide default app (used by threads that never
    set a current app, e.g. the live server of the browser tests): restore that too, or
    later tests' tasks would be sent to a broker nobody consumes."""
    _require_redis()
    previous_default = getattr(celery_state, "default_app", None)  # not in the type stubs
    app = Celery("cqr_portal_redis_tests", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=REDIS_URL,
        result_backend=REDIS_URL,
        task_always_eager=False,
        broker_connection_retry_on_startup=True,
    )
    app.set_current()
    try:
        yield app
    finally:
        celery_state.set_default_app(previous_default)  # type: ignore[arg-type]  # may be None
        default_app.set_current()


@pytest.fixture(scope="module")
def worker(redis_app: Celery) -> Iterator[object]:
    with start_worker(
        redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10
    ) as running:
        yield running


def wait_finished(run: MatchingRun, timeout: float = 30) -> MatchingRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run.id} still {run.status} after {timeout} s")


def test_saving_a_prescription_with_a_real_worker_completes(worker, prescription) -> None:
    with transaction.atomic():
        run = run_create(prescription=prescription)
    run = wait_finished(run)
    assert run.status == MatchingRun.Status.DONE
    assert run.outcome == "optimal"
    assert str(run.bundles.get(rank=1).price) == "50.00"


def test_a_duplicate_delivery_produces_one_set_of_bundles(worker, prescription) -> None:
    run = MatchingRun.objects.create(prescription=prescription)
    first = compute_bundles.delay(run.id)
    second = compute_bundles.delay(run.id)
    assert not isinstance(first, EagerResult)  # really sent through the broker
    first.get(timeout=30)
    second.get(timeout=30)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.DONE
    assert run.attempts == 1
    ranks = sorted(run.bundles.values_list("rank", flat=True))
    assert ranks == list(range(1, len(run.result["bundles"]) + 1))


def test_a_failing_run_ends_failed_with_its_message(worker, prescription) -> None:
    prescription.formats = ["fax"]
    prescription.save()
    run = MatchingRun.objects.create(prescription=prescription)
    compute_bundles.delay(run.id).get(timeout=30)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.FAILED
    assert 'formats[0]: unknown format "fax"' in run.error
    assert not run.bundles.exists()
