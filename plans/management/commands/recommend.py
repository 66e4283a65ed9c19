"""`recommend FILE.json [--alternatives K] [--json] [--pdf OUT.pdf] [--time-limit S]`.

Contract §5: with --json, exactly one `cqr-recommendation/1` document on standard output
and nothing else; exit 0 for optimal, feasible and infeasible, non-zero for an error or
invalid input (with the reason on standard error). Reads the catalog from the configured
database; needs no worker or Redis. It lives in plans, with the plan documents it prints.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from core.command_files import command_file_bytes
from core.jsontext import JSONTextError, json_loads
from core.money import format_amount
from matching.services.documents import recommendation_error_document
from matching.services.problem import Recommendation, recommend
from plans.selectors.plan_document import recommendation_pdf
from prescriptions.documents import PrescriptionInputError, prescription_spec_from_document


@contextlib.contextmanager
def _stdout_fd_to_stderr() -> Iterator[None]:
    """Send anything written to file descriptor 1 (C libraries included) to stderr, so
    standard output carries only the document."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real fd 1 (embedded use): nothing to protect
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


class Command(BaseCommand):
    help = (
        "Recommend the cheapest deadline-safe set of CE courses and packages for a "
        "cqr-prescription/1 file, from the catalog in the database. Bundle 1 is a proven "
        "cheapest plan (then fewest hours, then fewest courses); --alternatives K adds K "
        "distinct labelled alternatives. With --json prints exactly one "
        "cqr-recommendation/1 document. Exits non-zero for invalid input."
    )
    # Start-up time counts (contract scale goal); the checks would import every URLconf,
    # view and admin module, none of which this command uses.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a cqr-prescription/1 JSON file")
        parser.add_argument(
            "--alternatives", type=int, default=0, metavar="K", help="further bundles (0-10)"
        )
        parser.add_argument("--json", action="store_true", help="print the JSON document only")
        parser.add_argument("--pdf", metavar="OUT.pdf", help="also write the printable plan")
        parser.add_argument(
            "--time-limit",
            type=float,
            default=None,
            metavar="S",
            help="solver time budget in seconds (default: CQR_SOLVER_TIME_LIMIT, 20)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_json: bool = options["json"]
        try:
            alternatives, time_limit = self._limits(options)
            spec = prescription_spec_from_document(self._read(options["file"]))
        except CommandError as exc:
            self._fail(str(exc), as_json=as_json)
        except DatabaseError as exc:
            self._fail(
                f"cannot read the catalog from the database ({exc}); "
                "run `manage.py migrate` and `manage.py import_catalog FILE.json` first",
                as_json=as_json,
            )
        except PrescriptionInputError as exc:
            self._fail(
                f"invalid prescription {options['file']}:\n  " + "\n  ".join(exc.errors),
                as_json=as_json,
                document_message="; ".join(exc.errors),
            )
        try:
            with _stdout_fd_to_stderr():
                recommendation = recommend(spec, alternatives=alternatives, time_limit=time_limit)
        except DatabaseError as exc:
            self._fail(f"cannot read the catalog from the database ({exc})", as_json=as_json)
        document = recommendation.document
        if as_json:
            self.stdout.write(json.dumps(document, ensure_ascii=False))
        else:
            self.stdout.write(render_text(recommendation))
        if options["pdf"]:
            self._write_pdf(recommendation, options["pdf"], as_json=as_json)
        if document["status"] == "error":
            raise CommandError(document["message"])

    def _limits(self, options: dict[str, Any]) -> tuple[int, float | None]:
        alternatives = options["alternatives"]
        if alternatives is None or not 0 <= alternatives <= 10:
            raise CommandError("--alternatives must be a whole number from 0 to 10")
        time_limit = options["time_limit"]
        if time_limit is not None and not time_limit > 0:
            raise CommandError("--time-limit must be a positive number of seconds")
        return alternatives, time_limit

    def _read(self, file: str) -> Any:
        raw = command_file_bytes(file, kind="prescription file")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"{file}: not UTF-8 text (byte {exc.start} cannot be decoded)"
            ) from None
        try:
            return json_loads(text)
        except JSONTextError as exc:
            raise CommandError(f"{file}: {exc}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{file}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None

    def _fail(
        self, message: str, *, as_json: bool, document_message: str | None = None
    ) -> NoReturn:
        if as_json:
            document = recommendation_error_document(document_message or message)
            self.stdout.write(json.dumps(document, ensure_ascii=False))
        raise CommandError(message)

    def _write_pdf(self, recommendation: Recommendation, out: str, *, as_json: bool) -> None:
        with _stdout_fd_to_stderr():
            try:
                data = recommendation_pdf(
                    spec=recommendation.spec, document=recommendation.document
                )
            except ImportError as exc:  # WeasyPrint is imported when a PDF is rendered
                raise CommandError(f"--pdf: PDF output is not available ({exc})") from None
        try:
            Path(out).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"--pdf: cannot write {out} ({exc})") from None
        (self.stderr if as_json else self.stdout).write(f"Wrote {out}")


# ---------------------------------------------------------------------------------------
# The readable table
# ---------------------------------------------------------------------------------------


def _money(value: int | None) -> str:
    return "—" if value is None else f"${format_amount(value)}"


def _table(rows: list[list[str]], right: set[int] | None = None) -> list[str]:
    right = right or set()
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  " + "  ".join(cells).rstrip())
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return lines


def render_text(recommendation: Recommendation) -> str:
    spec, result, problem = recommendation.spec, recommendation.result, recommendation.problem
    index = recommendation.index
    document = recommendation.document
    lines = [
        f"{spec.outline.discipline.code} {spec.kind} prescription: deadline "
        f"{spec.plan_deadline.isoformat()}, planning from {spec.as_of.isoformat()}"
        + (
            f", {spec.hours_per_week} study hours a week" if spec.hours_per_week is not None else ""
        ),
    ]
    status = document["status"]
    if status == "error":
        return "\n".join([*lines, f"Error: {document['message']}"])
    if status == "optimal":
        lines.append("Status: optimal — bundle 1 is a proven cheapest plan.")
    elif status == "feasible":
        lines.append(
            f"Status: feasible — the time limit stopped the proof; bundle 1 is within "
            f"{(result.gap or 0) * 100:.2f}% of the cheapest possible price."
        )
    else:
        lines.append(
            "Status: infeasible — no plan meets the prescription by "
            f"{spec.plan_deadline.isoformat()}."
        )
    by_code = {course.code: course for course in problem.courses}
    for bundle in result.bundles:
        delta = f" ({'+' if bundle.price_delta >= 0 else ''}{_money(bundle.price_delta)})"
        lines += [
            "",
            f"Bundle {bundle.rank} — {bundle.label}: {_money(bundle.price)}"
            + (delta if bundle.rank > 1 else "")
            + f", {format_amount(bundle.hours)} h, {len(bundle.courses)} courses, "
            f"{format_amount(bundle.ce_credits)} CE credits",
        ]
        buy = [["buy", "code", "title", "price"]]
        for p in bundle.purchases:
            info = index.packages.get(p.code) if p.kind == "package" else index.courses.get(p.code)
            buy.append([p.kind, p.code, (info.title if info else "")[:48], _money(p.price)])
        lines += _table(buy, right={3}) if len(buy) > 1 else ["  (nothing to buy)"]
        lines.append("")
        rows = [["#", "course", "provider", "format", "hours", "complete by", "start by", "slack"]]
        for n, item in enumerate(bundle.schedule, 1):
            course = by_code.get(item.course)
            owned = " (owned)" if item.course in problem.owned else ""
            rows.append(
                [
                    str(n),
                    item.course + owned,
                    course.provider if course else "",
                    course.format if course else "",
                    format_amount(course.hours) if course else "",
                    item.complete_by.isoformat(),
                    item.start_by.isoformat() if item.start_by else "",
                    "" if item.slack_days is None else f"{item.slack_days} d",
                ]
            )
        lines += _table(rows, right={0, 4})
        lines.append("")
        credits = [["credits", "plan", "still required"]]
        for key, value in bundle.credits.items():
            credits.append([key, format_amount(value), format_amount(result.remaining.get(key, 0))])
        lines += _table(credits, right={1, 2})
    if status == "infeasible":
        if result.shortfall:
            lines += ["", "Shortfall (credits still required vs the most eligible courses give):"]
            rows = [["category", "required", "available"]]
            rows += [
                [s.category, format_amount(s.required), format_amount(s.available)]
                for s in result.shortfall
            ]
            lines += _table(rows, right={1, 2})
        reasons = document.get("reasons") or []
        if reasons:
            lines += ["", "Why candidate courses were removed:"]
            for entry in reasons:
                lines.append(f"  {entry['reason']}: {entry['courses']} course(s)")
            for entry in document.get("exclusions", [])[:20]:
                if entry["course"] != "*":
                    lines.append(f"    {entry['course']}: {entry['reason']}")
            if any(entry["reason"] == "weekly hours" for entry in reasons):
                lines.append(
                    "  weekly hours: no choice of courses fits "
                    f"{spec.hours_per_week} hours a week before the due dates"
                )
        least = document.get("least_hours_per_week") or {}
        if least.get("hours_per_week"):
            lines.append(f"  least weekly hours that make it possible: {least['hours_per_week']}")
    return "\n".join(lines)
