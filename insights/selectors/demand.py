"""Anonymised demand: shared prescriptions of a discipline per current subcategory and
quarter, with heat levels."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractQuarter, ExtractYear

from catalog.models import (
    Discipline,
    Subcategory,
)
from catalog.selectors import subcategory_indexes
from insights.selectors.figures import Figure, figure, figure_row
from prescriptions.models import Prescription, RequiredCredit

HEAT_LEVELS = 5


@dataclass
class OutlineMap:
    """A discipline's subcategories in outline order, and the current id every older or
    aliased subcategory resolves to (contract §1: current names, aliases, older versions)."""

    discipline: Discipline
    order: list[int]  # current subcategory ids in outline order (then unresolved older ones)
    names: dict[int, str]
    majors: dict[int, str]
    canonical: dict[int, int]

    def resolve(self, sub_id: int) -> int | None:
        return self.canonical.get(sub_id)


def outline_map(*, discipline: Discipline) -> OutlineMap:
    """Four queries."""
    index = subcategory_indexes(discipline_codes=[discipline.code]).get(discipline.code)
    rows = (
        Subcategory.objects.filter(outline__discipline=discipline)
        .order_by("-outline__is_current", "major__position", "position", "name")
        .values_list("id", "name", "outline__is_current", "major__name")
    )
    outline = OutlineMap(discipline, [], {}, {}, {})
    older: list[tuple[int, str, str]] = []
    for sub_id, name, is_current, major in rows:
        if is_current:
            outline.order.append(sub_id)
            outline.names[sub_id] = name
            outline.majors[sub_id] = major
            outline.canonical[sub_id] = sub_id
        else:
            older.append((sub_id, name, major))
    for sub_id, name, major in older:
        target = index.resolve(name) if index else None
        if target in outline.names:
            outline.canonical[sub_id] = target
        else:  # no current equivalent: it stays a row of its own
            outline.canonical[sub_id] = sub_id
            outline.order.append(sub_id)
            outline.names[sub_id] = name
            outline.majors[sub_id] = major
    return outline


def shared_prescriptions(*, discipline: Discipline, today: date) -> QuerySet[Prescription]:
    """The prescriptions whose figures may be used: shared, open, in the discipline."""
    return Prescription.objects.filter(
        share_anonymously=True,
        kind=Prescription.Kind.CQR,
        deadline__gte=today,
        outline__discipline=discipline,
    )


@dataclass(frozen=True)
class Quarter:
    year: int
    quarter: int

    def __str__(self) -> str:
        return f"{self.year} Q{self.quarter}"


@dataclass
class HeatCell:
    quarter: Quarter
    figure: Figure
    level: int  # 1..HEAT_LEVELS; 0 when hidden

    @property
    def css_class(self) -> str:
        return "heat-hidden" if self.figure.hidden else f"heat-{self.level}"


@dataclass
class DemandRow:
    subcategory_id: int
    name: str
    major: str
    cells: list[HeatCell]
    credits: Figure  # prescribed credits, all quarters
    prescriptions: Figure
    level: int

    @property
    def css_class(self) -> str:
        return "heat-hidden" if self.credits.hidden else f"heat-{self.level}"


@dataclass
class Demand:
    discipline: Discipline
    quarters: list[Quarter]
    quarter_prescriptions: list[Figure]
    prescriptions: Figure  # shared open prescriptions of the discipline
    rows: list[DemandRow]


def demand_for_discipline(*, outline: OutlineMap, today: date) -> Demand:
    """Prescribed credits and prescriptions per subcategory × deadline quarter. Two queries."""
    prescriptions = shared_prescriptions(discipline=outline.discipline, today=today)
    by_quarter = (
        prescriptions.annotate(y=ExtractYear("deadline"), q=ExtractQuarter("deadline"))
        .values("y", "q")
        .annotate(n=Count("id"))
        .order_by("y", "q")
    )
    quarter_counts = {Quarter(r["y"], r["q"]): r["n"] for r in by_quarter}
    quarters = sorted(quarter_counts, key=lambda q: (q.year, q.quarter))
    # Column counts partition the discipline total: suppress them as one row.
    per_quarter, all_quarters = figure_row(
        [(quarter_counts[q], quarter_counts[q]) for q in quarters],
        (sum(quarter_counts.values()), sum(quarter_counts.values())),
    )
    rows = (
        RequiredCredit.objects.filter(prescription__in=prescriptions)
        .annotate(
            y=ExtractYear("prescription__deadline"), q=ExtractQuarter("prescription__deadline")
        )
        .values("subcategory_id", "y", "q")
        .annotate(n=Count("prescription_id", distinct=True), credits=Sum("credits"))
        .order_by()
    )
    cells: dict[int, dict[Quarter, list[Any]]] = defaultdict(dict)
    for r in rows:
        sub_id = outline.resolve(r["subcategory_id"])
        if sub_id is None:
            continue
        cell = cells[sub_id].setdefault(Quarter(r["y"], r["q"]), [0, Decimal(0)])
        cell[0] += r["n"]
        cell[1] += r["credits"]
    demand = Demand(
        discipline=outline.discipline,
        quarters=quarters,
        quarter_prescriptions=per_quarter,
        prescriptions=all_quarters,
        rows=[],
    )
    for sub_id in outline.order:
        raw: list[tuple[int, Decimal | int]] = [
            (cells[sub_id][q][0], cells[sub_id][q][1]) if q in cells[sub_id] else (0, 0)
            for q in quarters
        ]
        total: tuple[int, Decimal | int] = (
            sum(n for n, _ in raw),
            sum((Decimal(v) for _, v in raw), Decimal(0)),
        )
        shown, credits = figure_row(raw, total)
        demand.rows.append(
            DemandRow(
                subcategory_id=sub_id,
                name=outline.names[sub_id],
                major=outline.majors[sub_id],
                cells=[HeatCell(q, f, 0) for q, f in zip(quarters, shown, strict=True)],
                credits=credits,
                prescriptions=figure(prescriptions=total[0]),
                level=0,
            )
        )
    _assign_levels(demand.rows)
    return demand


def _level(value: Decimal | int | None, top: Decimal) -> int:
    if value is None or top <= 0:
        return 0
    return max(1, min(HEAT_LEVELS, math.ceil(Decimal(value) * HEAT_LEVELS / top)))


def _assign_levels(rows: list[DemandRow]) -> None:
    """Heat levels relative to the largest shown value (cells and totals scaled apart)."""
    cell_top = max(
        (Decimal(c.figure.value) for r in rows for c in r.cells if c.figure.value is not None),
        default=Decimal(0),
    )
    row_top = max(
        (Decimal(r.credits.value) for r in rows if r.credits.value is not None),
        default=Decimal(0),
    )
    for row in rows:
        row.level = _level(row.credits.value, row_top)
        for cell in row.cells:
            cell.level = _level(cell.figure.value, cell_top)
