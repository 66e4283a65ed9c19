"""`import_catalog FILE.json`: the contract command of docs/exchange-format.md §5."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from catalog.services import (
    CatalogImportError,
    catalog_import,
    catalog_parse,
    outlines_ensure_default,
)
from core.command_files import command_file_bytes


class Command(BaseCommand):
    help = (
        "Import a cqr-catalog/1 file: upsert providers, outlines, courses and packages by "
        "(provider, code). The whole file is rejected, with messages naming each bad record "
        "and field, if any record is invalid; importing the same file twice changes nothing. "
        "A database without any outline gets the shipped ARRT outlines first. "
        "Use '-' to read standard input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path of the catalog JSON file, or - for stdin")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        raw = command_file_bytes(path, kind="catalog file", stdin=True)
        try:
            with transaction.atomic():
                # Right after `migrate`, catalogs still name the shipped outlines.
                shipped = outlines_ensure_default()
                summary = catalog_import(document=catalog_parse(raw), source=Path(path).name)
        except CatalogImportError as exc:
            lines = "\n".join(f"  {message}" for message in exc.errors)
            raise CommandError(f"{path}: catalog rejected, nothing imported:\n{lines}") from exc
        note = "; shipped outlines loaded first" if shipped else ""
        self.stdout.write(f"Imported {path}: {summary.describe()}{note}")
