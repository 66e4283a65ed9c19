"""The two meanings of "latest run", each with its own name (matching.selectors)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import cast

import pytest
from django.conf import settings

from matching.models import MatchingRun
from matching.selectors import runs_latest_done, runs_newest_if_done
from prescriptions.models import Prescription
from tests.factories import PrescriptionFactory, make_outline

Status = MatchingRun.Status


@pytest.fixture
def prescription(db: None) -> Prescription:
    return cast(Prescription, PrescriptionFactory(outline=make_outline()))


def run(prescription: Prescription, status: str, **fields) -> MatchingRun:
    return MatchingRun.objects.create(prescription=prescription, status=status, **fields)


def test_a_newer_queued_run_hides_the_done_one_from_staleness_but_not_from_insights(
    prescription,
) -> None:
    done = run(prescription, Status.DONE)
    run(prescription, Status.QUEUED)
    everyone = Prescription.objects.all()
    assert list(runs_latest_done(prescriptions=everyone)) == [done]
    assert list(runs_newest_if_done()) == []


def test_only_the_newest_done_run_counts_for_both(prescription) -> None:
    run(prescription, Status.DONE)
    newest = run(prescription, Status.DONE)
    everyone = Prescription.objects.all()
    assert list(runs_latest_done(prescriptions=everyone)) == [newest]
    assert list(runs_newest_if_done()) == [newest]


def test_a_stale_newest_run_is_not_marked_again_and_failed_runs_never_count(
    prescription,
) -> None:
    run(prescription, Status.DONE, is_stale=True)
    assert list(runs_newest_if_done()) == []
    other = cast(Prescription, PrescriptionFactory(outline=prescription.outline))
    done = run(other, Status.DONE)
    run(other, Status.FAILED)
    assert list(runs_latest_done(prescriptions=Prescription.objects.filter(pk=other.pk))) == [done]


def test_the_run_task_is_registered_under_the_name_the_services_publish() -> None:
    # In a fresh process (as `manage.py runserver` or a command starts): the services look
    # the task up by name, so loading the apps must register it.
    code = (
        "import django; django.setup()\n"
        "from celery import current_app\n"
        "from matching.services.runs import COMPUTE_TASK\n"
        "assert COMPUTE_TASK in current_app.tasks, sorted(current_app.tasks)\n"
        "assert current_app.tasks[COMPUTE_TASK].name == COMPUTE_TASK\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cqr_portal.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
