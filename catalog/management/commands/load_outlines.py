"""`load_outlines [FILE.json]`: load ARRT content outlines (`cqr-outlines/1`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.services import CatalogImportError, outlines_load_default, outlines_load_file
from core.command_files import command_file_bytes


class Command(BaseCommand):
    help = (
        "Without FILE: load the ARRT content outlines shipped in catalog/data/arrt_outlines.json "
        "(every discipline and version, with dates, source, confirmation, aliases and "
        "mappings). Idempotent: versions already loaded are left as site staff corrected them "
        "(--refresh adds the file's missing names). With FILE: load a cqr-outlines/1 file, "
        "validated whole: any invalid record rejects it (messages name record and field) and "
        "nothing is written. A new or changed version marks the runs it affects for re-planning."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="a cqr-outlines/1 JSON file")
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="without FILE: also update loaded outlines (add missing names, aliases, notes)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            if path is None:
                summary = outlines_load_default(refresh=options["refresh"])
            else:
                summary = outlines_load_file(
                    raw=command_file_bytes(path, kind="outlines file"), source=Path(path).name
                )
        except CatalogImportError as exc:
            lines = "\n".join(f"  {message}" for message in exc.errors)
            where = path or "shipped outlines"
            raise CommandError(f"{where}: outlines rejected, nothing loaded:\n{lines}") from exc
        self.stdout.write(f"Outlines: {summary.describe()}")
