"""Load the shipped obligation templates; safe to run repeatedly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from obligations.services import templates_load_file


class Command(BaseCommand):
    help = (
        "Load the obligation templates (ARRT biennium, MQSA, structured education, state "
        "licences) from obligations/data/obligation_templates.json or FILE. All or nothing. "
        "Templates already loaded stay as site staff edited them unless --replace."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="a cqr-obligation-templates/1 file")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="overwrite templates already in the database with the file's",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["file"]
        if path is not None and not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            summary = templates_load_file(path, replace=options["replace"])
        except ValidationError as error:
            raise CommandError(
                "Nothing was loaded:\n" + "\n".join(f"  {m}" for m in error.messages)
            ) from error
        self.stdout.write(f"Obligation templates: {summary.describe()}")
