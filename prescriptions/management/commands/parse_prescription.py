"""`parse_prescription FILE [--discipline CODE] [--json]`: the contract command of
docs/exchange-format.md §7."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from catalog.services import outlines_ensure_default
from core.command_files import command_file_bytes
from prescriptions.parsing import ParseResult
from prescriptions.text_import import (
    PrescriptionTextError,
    parse_result_document,
    prescription_text_from_file,
    prescription_text_parse,
)


class Command(BaseCommand):
    help = (
        "Read a prescription as copied from ARRT's site (.txt, UTF-8) or downloaded (.pdf) "
        "and print what it prescribes: one line per subcategory with its credits, matched "
        "to the discipline's outline, the lines no subcategory matches, and the stated "
        "deadline and issue date. --json prints one cqr-prescription/1 document. "
        "A database without any outline gets the shipped ARRT outlines first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path of the .txt or .pdf prescription")
        parser.add_argument(
            "--discipline", help="discipline code (e.g. CT); default: named in the text"
        )
        parser.add_argument(
            "--json", action="store_true", help="print a cqr-prescription/1 document"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        data = command_file_bytes(path, kind="prescription file")
        with transaction.atomic():
            outlines_ensure_default()
        try:
            text = prescription_text_from_file(name=path, data=data)
            result = prescription_text_parse(text=text, discipline_code=options["discipline"])
        except PrescriptionTextError as exc:
            message = replace(exc.detail, record=exc.detail.record or path).as_text()
            if exc.about_discipline and options["discipline"] is None:
                message += "; give it with --discipline CODE"
            raise CommandError(message) from exc
        if options["json"]:
            self.stdout.write(json.dumps(parse_result_document(result), indent=2))
        else:
            self.stdout.write(self._summary(path, result))

    def _summary(self, path: str, result: ParseResult) -> str:
        assert result.discipline is not None
        dates = result.dates
        out = [f"{path}: {result.discipline.name} ({result.discipline.code})"]
        if dates.issued_on:
            out.append(f"  Issued on:  {dates.issued_on.isoformat()}")
        if dates.window_start or dates.window_end:
            start = dates.window_start.isoformat() if dates.window_start else "?"
            end = dates.window_end.isoformat() if dates.window_end else "?"
            out.append(f"  Window:     {start} to {end}")
        if dates.deadline:
            out.append(f"  Deadline:   {dates.deadline.isoformat()}")
        matched, unmatched = result.matched, result.unmatched
        out.append(f"  Required ({len(matched)} lines matched):")
        for line in matched:
            assert line.confidence is not None
            out.append(
                f"    {line.credits:>6} {line.subcategory}  [{line.confidence.label}]"
                f"  ← line {line.line_number}: {line.line}"
            )
        if unmatched:
            out.append(f"  Not matched ({len(unmatched)} lines; check them):")
            for line in unmatched:
                reason = line.unmatched_reason.value if line.unmatched_reason else ""
                out.append(
                    f"    {line.credits:>6} line {line.line_number}: {line.line}  ({reason})"
                )
        return "\n".join(out)
