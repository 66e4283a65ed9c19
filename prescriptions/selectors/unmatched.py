"""Reads about prescription lines not in our outline yet: a prescription's own, and the
staff queue of names with how many prescriptions use each."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, QuerySet

from prescriptions.models import Prescription, UnmatchedLine
from prescriptions.unmatched import unmatched_name_key


def unmatched_lines_for_prescription(prescription: Prescription) -> QuerySet[UnmatchedLine]:
    """Its lines not in our outline yet, open ones first, then those mapped since (no query
    when its access helper loaded it saying it has none)."""
    if not getattr(prescription, "has_unmatched_lines", True):
        return UnmatchedLine.objects.none()
    return (
        UnmatchedLine.objects.filter(prescription=prescription)
        .select_related("resolved_to")
        .order_by(F("resolved_to").asc(nulls_first=True), "id")
    )


@dataclass(frozen=True)
class UnmatchedName:
    """One name of the staff queue: a discipline and a name as written (case and spacing
    ignored), with how many prescriptions and lines use it."""

    discipline_code: str
    name: str
    prescriptions: int
    lines: int
    credits: Decimal
    line_ids: tuple[int, ...]


def unmatched_name_queue() -> list[UnmatchedName]:
    """Open names, most used first."""
    groups: dict[tuple[str, str], list[UnmatchedLine]] = {}
    rows = UnmatchedLine.objects.filter(resolved_to__isnull=True).select_related(
        "prescription__outline__discipline"
    )
    for line in rows.order_by("id"):
        code = line.prescription.outline.discipline.code
        groups.setdefault((code, unmatched_name_key(line.name)), []).append(line)
    queue = [
        UnmatchedName(
            discipline_code=code,
            name=lines[0].name,
            prescriptions=len({line.prescription_id for line in lines}),
            lines=len(lines),
            credits=sum((line.credits for line in lines), Decimal(0)),
            line_ids=tuple(line.pk for line in lines),
        )
        for (code, _key), lines in groups.items()
    ]
    return sorted(queue, key=lambda n: (-n.prescriptions, n.discipline_code, n.name.casefold()))
