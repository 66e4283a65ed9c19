"""`export_catalog [--provider CODE] [-o FILE] [--with-outlines]`: write cqr-catalog/1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.models import Provider
from catalog.services import catalog_export


class Command(BaseCommand):
    help = (
        "Export the catalog (all providers, or those given with --provider) as a "
        "cqr-catalog/1 document that import_catalog reads back unchanged. Amounts are "
        "decimal strings ('24.00'); --with-outlines adds every current content outline."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--provider",
            action="append",
            dest="providers",
            metavar="CODE",
            help="export only this provider (repeatable)",
        )
        parser.add_argument("-o", "--output", metavar="FILE", help="write here, not stdout")
        parser.add_argument(
            "--with-outlines", action="store_true", help="include the current outlines"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        codes: list[str] | None = options["providers"]
        if codes:
            known = set(Provider.objects.filter(code__in=codes).values_list("code", flat=True))
            unknown = sorted(set(codes) - known)
            if unknown:
                raise CommandError(f"unknown provider: {', '.join(unknown)}")
        document = catalog_export(provider_codes=codes, with_outlines=options["with_outlines"])
        text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
        if options["output"]:
            try:
                Path(options["output"]).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"{options['output']}: cannot write ({exc.strerror})") from exc
            self.stderr.write(
                f"Exported {len(document['courses'])} courses and "
                f"{len(document['packages'])} packages to {options['output']}"
            )
        else:
            self.stdout.write(text, ending="")
