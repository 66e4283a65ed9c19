"""What to report to ARRT: the completed activities, in the order and with the fields the
technologist enters them (title, sponsor, date completed, CE credits, distribution credits
per subcategory, certificate present), and per obligation how much is done and left.

Shown as a section of the PDF plan and exported as CSV (`report_csv`), whose cells are
formula-escaped so a spreadsheet never runs a course title as a formula.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from catalog.models import Course
from core.spreadsheet import spreadsheet_safe
from plans.selectors.credits import MINIMUMS_GROUP, TOTALS_GROUP, Requirement, Sheet
from plans.selectors.lines import CourseLine, plan_for_prescription, plan_lines
from prescriptions.documents import PrescriptionSpec
from prescriptions.models import Prescription
from prescriptions.selectors.wording import ZERO, amount, today


@dataclass(frozen=True)
class Activity:
    """One completed activity as ARRT asks for it."""

    title: str
    sponsor: str
    activity_id: str
    completed_on: date | None  # None: entered with the prescription, date not recorded
    ce_credits: Decimal
    credits: tuple[Decimal, ...]  # per subcategory of the report, in its order
    has_certificate: bool


@dataclass(frozen=True)
class Progress:
    """One requirement of one obligation: how much is done and how much is left."""

    obligation: str
    label: str
    required: Decimal
    done: Decimal
    left: Decimal


@dataclass
class Report:
    subcategories: list[str]
    activities: list[Activity] = field(default_factory=list)
    progress: list[Progress] = field(default_factory=list)

    @property
    def ce_total(self) -> Decimal:
        return sum((a.ce_credits for a in self.activities), ZERO)


def _obligation(group: str, *, structured: bool) -> str:
    if group == TOTALS_GROUP:
        return "Totals"
    if group == MINIMUMS_GROUP:
        return "Structured education minimums"
    return "Subcategories required" if structured else "CQR prescription"


def report_for_prescription(prescription: Prescription, spec: PrescriptionSpec) -> Report:
    """The completed activities (plan items marked done, then courses entered as completed
    with the prescription) oldest first, and the progress per requirement."""
    plan = plan_for_prescription(prescription)
    lines: list[CourseLine] = plan_lines(plan, today=today()) if plan is not None else []
    return report_from_sheet(Requirement(spec).sheet(lines))


def report_from_sheet(sheet: Sheet) -> Report:
    """The report of a plan's sheet (`Requirement.sheet` of its lines): what the PDF
    prints with the plan, from the same numbers."""
    requirement = sheet.requirement
    spec = requirement.spec
    lines = sheet.lines
    subs = [need for need in requirement.needs if need.group not in {TOTALS_GROUP, MINIMUMS_GROUP}]
    report = Report(subcategories=[need.label for need in subs])
    done = [line for line in lines if line.is_done and line.course is not None]
    in_plan = {line.course.pk for line in done if line.course is not None}
    completed: list[Course] = [c for c in spec.completed if c.pk not in in_plan]
    contributions = requirement.contributions(completed)
    rows: list[Activity] = []
    for line in done:
        assert line.course is not None
        rows.append(
            Activity(
                title=line.course.title,
                sponsor=line.course.provider_label,
                activity_id=line.course.arrt_activity_id,
                completed_on=line.done_on,
                ce_credits=line.course.ce_credits,
                credits=tuple(line.credits.get(need.key, ZERO) for need in subs),
                has_certificate=line.has_certificate,
            )
        )
    rows.sort(key=lambda a: (a.completed_on or date.min, a.title))
    for course in sorted(completed, key=lambda c: c.title):
        values = contributions.get(course.pk, {})
        rows.append(
            Activity(
                title=course.title,
                sponsor=course.provider_label,
                activity_id=course.arrt_activity_id,
                completed_on=None,
                ce_credits=course.ce_credits,
                credits=tuple(values.get(need.key, ZERO) for need in subs),
                has_certificate=False,
            )
        )
    report.activities = rows
    structured = spec.kind == "structured-education"
    report.progress = [
        Progress(
            obligation=_obligation(tally.need.group, structured=structured),
            label=tally.need.label,
            required=tally.need.required,
            done=min(tally.already, tally.need.required),
            left=tally.remaining,
        )
        for tally in sheet.tallies
    ]
    return report


def report_csv(report: Report) -> str:
    """The report as CSV: the activities, a blank line, then done and left per obligation."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def row(*cells: str) -> None:
        writer.writerow([spreadsheet_safe(cell) for cell in cells])

    row(
        "Activity title",
        "Sponsor",
        "ARRT activity ID",
        "Date completed",
        "CE credits",
        *(f"Credits: {label}" for label in report.subcategories),
        "Certificate",
    )
    for a in report.activities:
        row(
            a.title,
            a.sponsor,
            a.activity_id,
            a.completed_on.isoformat() if a.completed_on else "",
            amount(a.ce_credits),
            *(amount(value) for value in a.credits),
            "yes" if a.has_certificate else "no",
        )
    writer.writerow([])
    row("Obligation", "Requirement", "Required", "Done", "Left")
    for p in report.progress:
        row(p.obligation, p.label, amount(p.required), amount(p.done), amount(p.left))
    return out.getvalue()
