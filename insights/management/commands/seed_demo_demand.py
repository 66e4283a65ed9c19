"""Seed shared demo prescriptions so the provider insights dashboard has data (idempotent)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from catalog.models import Subcategory
from insights.demo import DEMO_DEMAND_SEED, demo_demand
from matching.models import Bundle, MatchingRun
from matching.services.runs import run_execute
from plans.services import plan_choose, prescription_create
from prescriptions.documents import PrescriptionInputError, prescription_spec_from_document
from prescriptions.models import Prescription

# Two of every PLAN_EVERY shared prescriptions get their cheapest bundle as chosen plan.
PLAN_EVERY = 3


class Command(BaseCommand):
    help = (
        "Create demo technologists (demo-rt-01, ...; they cannot log in) with CQR "
        "prescriptions in CT, R and MR — most shared anonymously, one in eight not — through "
        "the normal prescription service, so each gets its matching run; then choose the "
        "cheapest bundle as plan for two of every three shared ones. Deterministic for a seed "
        "and date; idempotent (a technologist's existing demo prescription is kept). Run "
        "`seed_demo` first: the prescriptions name the current outlines' subcategories."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEMO_DEMAND_SEED, help="Demo seed.")
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="Anchor date YYYY-MM-DD for issue dates and deadlines (default: today).",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="At most this many prescriptions per discipline (default: all of the demo's).",
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Seed even with DJANGO_DEBUG=false (it writes fictional data).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "seed_demo_demand writes fictional prescriptions; refusing to run with "
                "DJANGO_DEBUG=false (pass --allow-without-debug to override)."
            )
        outlines = _current_names()
        if not outlines:
            raise CommandError("No content outline is loaded: run `manage.py seed_demo` first.")
        today = options["today"] or timezone.localdate()
        created = kept = plans = 0
        user_model = get_user_model()
        # One transaction: one commit on SQLite instead of several per prescription. Runs
        # are computed here (`_finished_run`); their queued tasks then find them done.
        with transaction.atomic():
            demand = demo_demand(
                outlines=outlines, today=today, seed=options["seed"], limit=options["limit"]
            )
            for index, item in enumerate(demand):
                user, new_user = user_model.objects.get_or_create(
                    username=item.username, defaults={"email": f"{item.username}@example.org"}
                )
                if new_user:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                if Prescription.objects.filter(owner=user, title=item.title).exists():
                    kept += 1
                    continue
                try:
                    spec = prescription_spec_from_document(item.document)
                except PrescriptionInputError as exc:
                    raise CommandError(f"Demo prescription {index} was rejected: {exc}") from exc
                prescription = prescription_create(
                    owner=user, spec=spec, title=item.title, share_anonymously=item.share
                )
                created += 1
                run = _finished_run(prescription)
                if item.share and index % PLAN_EVERY != PLAN_EVERY - 1:
                    plans += _choose_cheapest(prescription, run)
        self.stdout.write(
            f"Demo demand: {created} prescriptions created, {kept} already there, "
            f"{plans} plans chosen."
        )


def _finished_run(prescription: Prescription) -> MatchingRun | None:
    """The prescription's latest run, computed here when no worker has done it yet (with a
    broker configured, or inside a transaction); a later delivery of its task then finds
    it finished and does nothing. None unless it ended `done`."""
    run = MatchingRun.objects.filter(prescription=prescription).order_by("-id").first()
    if run is not None and run.status == MatchingRun.Status.QUEUED:
        run_execute(run_id=run.pk)
        run.refresh_from_db()
    return run if run is not None and run.status == MatchingRun.Status.DONE else None


def _choose_cheapest(prescription: Prescription, run: MatchingRun | None) -> int:
    """Choose the run's rank-1 bundle as plan (0 when it found none)."""
    bundle = Bundle.objects.filter(run=run, rank=1).first() if run else None
    if bundle is None:
        return 0
    plan_choose(prescription=prescription, bundle=bundle)
    return 1


def _current_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    rows = (
        Subcategory.objects.filter(outline__is_current=True)
        .order_by("outline__discipline__code", "major__position", "position", "name")
        .values_list("outline__discipline__code", "name")
    )
    for code, name in rows:
        names.setdefault(code, []).append(name)
    return names
