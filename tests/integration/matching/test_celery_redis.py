"""Runs through a real Celery worker (in-process, solo pool) on a real Redis broker.

Skipped with a clear reason when Redis is unreachable, unless CQR_REQUIRE_SERVICES is set
(`make test` sets it, so CI fails instead of skipping).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from celery import Celery
from celery import _state as celery_state
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from cqr_portal.celery import app as default_app
from matching.models import MatchingRun
from matching.services.runs import SAVED_NOT_SENT, run_create, runs_resend_lost
from matching.tasks import compute_bundles
from tests.factories import PrescriptionFactory, RequiredCreditFactory
from tests.integration.contract import catalog_data

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


# --- recovery: claim takeover, the lost-run sweep, a broker that is down ------------------


def test_a_redelivered_copy_of_the_owning_task_takes_over_at_once(worker, prescription) -> None:
    """What Celery does after the worker's child is killed: the same message (same task
    id) comes back while the run still says "running" with a live lease."""
    run = MatchingRun.objects.create(prescription=prescription)
    MatchingRun.objects.filter(id=run.id).update(
        status="running",
        task_id="killed-task",
        attempts=1,
        lease_expires_at=timezone.now() + timedelta(minutes=5),
    )
    compute_bundles.apply_async((run.id,), task_id="another-task").get(timeout=30)
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("running", 1)  # a stranger's copy leaves it alone
    compute_bundles.apply_async((run.id,), task_id="killed-task").get(timeout=30)
    run.refresh_from_db()
    assert (run.status, run.attempts, run.outcome) == ("done", 2, "optimal")


@pytest.fixture
def other_prescription(catalog, bob):
    rx = PrescriptionFactory(owner=bob, outline=catalog.outline)
    RequiredCreditFactory(prescription=rx, subcategory=catalog.sub("Image Formation"), credits=3)
    return rx


def test_the_sweep_resends_unsent_and_abandoned_runs(worker, prescription, other_prescription):
    unsent = MatchingRun.objects.create(prescription=prescription)  # publish never happened
    abandoned = MatchingRun.objects.create(prescription=other_prescription)
    MatchingRun.objects.filter(id=abandoned.id).update(
        status="running",
        task_id="dead-worker-task",
        attempts=1,
        sent_at=timezone.now(),
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert runs_resend_lost() == 2
    assert wait_finished(unsent).status == "done"
    assert wait_finished(abandoned).status == "done"
    assert abandoned.attempts == 2
    assert runs_resend_lost() == 0  # nothing left to send


@pytest.fixture
def broker_down(redis_app: Celery) -> Iterator[Celery]:
    """A current Celery app whose broker is a closed port (Redis stopped)."""
    down = Celery("cqr_portal_broker_down", set_as_current=False)
    down.config_from_object("django.conf:settings", namespace="CELERY")
    down.conf.update(broker_url="redis://127.0.0.1:9/0", task_always_eager=False)
    down.set_current()
    try:
        yield down
    finally:
        redis_app.set_current()


def test_saving_while_the_broker_is_down_answers_normally_and_computes_later(
    worker, broker_down, prescription, bob, redis_app
) -> None:
    client = APIClient()
    client.force_authenticate(bob)
    started = time.monotonic()
    response = client.post(
        "/api/v1/prescriptions/create/", catalog_data.prescription(), format="json"
    )
    assert response.status_code == 201, response.content
    assert time.monotonic() - started < 5
    run = MatchingRun.objects.filter(prescription_id=response.json()["id"]).get()
    assert (run.status, run.sent_at, run.progress_message) == ("queued", None, SAVED_NOT_SENT)

    web = Client()
    web.force_login(bob)
    recompute = web.post(f"/prescriptions/{prescription.pk}/recompute/")
    assert recompute.status_code == 302
    page = web.get(f"/prescriptions/{prescription.pk}/").content.decode()
    assert "will compute when the worker is back" in page

    assert runs_resend_lost() == 0  # still down: nothing sent, nothing raised
    redis_app.set_current()  # the broker is back
    assert runs_resend_lost() == 2
    assert wait_finished(run).status == "done"
    latest = MatchingRun.objects.filter(prescription=prescription).order_by("-id").first()
    assert latest is not None and wait_finished(latest).status == "done"


@pytest.fixture
def broker_and_results_down(redis_app: Celery) -> Iterator[Celery]:
    """Broker and result backend both on a closed port (docker-compose keeps both in the
    same Redis, so an outage takes both)."""
    down = Celery("cqr_portal_all_down", set_as_current=False)
    down.config_from_object("django.conf:settings", namespace="CELERY")
    down.conf.update(
        broker_url="redis://127.0.0.1:9/0",
        result_backend="redis://127.0.0.1:9/0",
        task_always_eager=False,
    )
    down.set_current()
    try:
        yield down
    finally:
        redis_app.set_current()


def test_saving_while_broker_and_result_backend_are_down_answers_quickly(
    broker_and_results_down, prescription, bob
) -> None:
    client = APIClient()
    client.force_authenticate(bob)
    started = time.monotonic()
    response = client.post(
        "/api/v1/prescriptions/create/", catalog_data.prescription(), format="json"
    )
    assert response.status_code == 201, response.content
    assert time.monotonic() - started < 5  # 20 result-backend reconnects took 10 s or more
    run = MatchingRun.objects.filter(prescription_id=response.json()["id"]).get()
    assert (run.status, run.sent_at, run.progress_message) == ("queued", None, SAVED_NOT_SENT)
