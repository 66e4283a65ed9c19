"""Load the shipped ARRT content outlines (all disciplines); safe to run repeatedly."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from catalog.services import outlines_load_default


class Command(BaseCommand):
    help = (
        "Load the ARRT content outlines shipped in catalog/data/arrt_content_outlines.json "
        "(every discipline, with source, confirmation note and aliases). Idempotent: "
        "outlines already loaded are left as site staff corrected them (--refresh adds the "
        "file's missing names), and an outline that a catalog import made current stays "
        "current."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="also update loaded outlines: add missing names, aliases and notes",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = outlines_load_default(refresh=options["refresh"])
        self.stdout.write(f"Outlines: {summary.describe()}")
