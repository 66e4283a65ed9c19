"""An infeasible run's least-weekly-hours advice in plain words (the bundles page).

The engine computes it (`matching.solver.least_hours`, stored in the run's document under
`least_hours_per_week`); this only words it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.models import CourseFormat
from prescriptions.documents import PrescriptionSpec
from prescriptions.selectors.wording import amount, human_date

FORMAT_NAMES = {value: label.lower() for value, label in CourseFormat.choices}


@dataclass(frozen=True)
class HoursHint:
    entered: Decimal  # the weekly hours of the prescription
    least: Decimal | None  # the least weekly hours that make a plan possible (None: none do)
    proven: bool
    others: tuple[str, ...]  # formats and a later start, in plain words


def _hours(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _hours_text(value: Decimal) -> str:
    return f"{amount(value)} hour{'' if value == 1 else 's'} a week"


def hours_hint(*, spec: PrescriptionSpec, document: Mapping[str, Any]) -> HoursHint | None:
    advice = document.get("least_hours_per_week")
    if spec.hours_per_week is None or not isinstance(advice, Mapping):
        return None
    least = _hours(advice.get("hours_per_week"))
    others: list[str] = []
    formats = advice.get("all_formats")
    if isinstance(formats, Mapping):
        with_all = _hours(formats.get("hours_per_week"))
        allowed = set(spec.formats or ())
        new = [f for f in formats.get("formats") or [] if f not in allowed]
        named = " and ".join(FORMAT_NAMES.get(f, str(f)) for f in new) or "other"
        if with_all is not None and (least is None or with_all < least):
            others.append(
                f"Accepting {named} courses too would make it possible with "
                f"{_hours_text(with_all)}."
            )
        else:
            others.append("Accepting the other course formats would not lower it.")
    later = advice.get("later_start")
    if isinstance(later, Mapping) and later.get("as_of"):
        when = human_date(date.fromisoformat(str(later["as_of"])))
        later_hours = _hours(later.get("hours_per_week"))
        if later_hours is None:
            others.append(f"Starting later would not help: from {when} no plan is possible.")
        elif least is not None and later_hours >= least:
            others.append(
                f"Starting later would not help: from {when} you would need "
                f"{_hours_text(later_hours)}."
            )
        else:
            others.append(f"Starting on {when}, {_hours_text(later_hours)} would be enough.")
    return HoursHint(
        entered=spec.hours_per_week,
        least=least,
        proven=bool(advice.get("proven", True)),
        others=tuple(others),
    )
