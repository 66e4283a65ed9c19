"""`replan_stale [--batch-size N]`: recompute runs made stale by catalog changes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from matching.services.staleness import replan_stale


class Command(BaseCommand):
    help = (
        "Create a new matching run for every prescription whose latest run was marked stale "
        "by a catalog change (the old run stays for history). Works in batches of "
        "--batch-size runs per transaction; with a worker the runs compute in the background, "
        "without a broker they compute right away."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=50, metavar="N")

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        created = replan_stale(batch_size=batch_size)
        self.stdout.write(f"Queued {created} new run(s) for stale prescriptions.")
