"""The prescription form's "not in the list?" rows: subcategories a technologist types as
ARRT wrote them when our outline does not have them yet. They are kept as UnmatchedLine
rows (see prescriptions.unmatched)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms

from prescriptions.documents import CENT
from prescriptions.models import Prescription
from prescriptions.unmatched import UnmatchedSpec

OTHER_ROWS = 2  # empty rows offered beyond the lines already kept
NAME = "other_name_"
CREDITS = "other_credits_"
_INDEX = re.compile(rf"^(?:{NAME}|{CREDITS})(\d+)$")


def other_row_count(form: forms.Form) -> int:
    """Rows to offer: the lines already kept (edit page) or posted, plus empty ones."""
    keys = list(form.data.keys()) if form.is_bound else list(form.initial.keys())
    used = [int(m.group(1)) for key in keys if (m := _INDEX.match(str(key)))]
    return max(used, default=0) + (0 if form.is_bound else OTHER_ROWS)


def add_other_fields(form: forms.Form) -> None:
    for i in range(1, max(other_row_count(form), OTHER_ROWS) + 1):
        form.fields[f"{NAME}{i}"] = forms.CharField(
            label=f"Subcategory {i} as written on your prescription",
            max_length=200,
            required=False,
        )
        form.fields[f"{CREDITS}{i}"] = forms.DecimalField(
            label=f"Credits for subcategory {i}",
            required=False,
            min_value=Decimal("0.01"),
            max_digits=7,
            decimal_places=2,
            widget=forms.NumberInput(attrs={"step": "0.25", "min": "0", "inputmode": "decimal"}),
        )


def other_rows(form: forms.Form) -> list[tuple[forms.BoundField, forms.BoundField]]:
    indexes = sorted({int(m.group(1)) for name in form.fields if (m := _INDEX.match(name))})
    return [(form[f"{NAME}{i}"], form[f"{CREDITS}{i}"]) for i in indexes]


def clean_other_rows(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """A name needs its credits and credits need a name."""
    for name_field, credits_field in other_rows(form):
        name = (cleaned.get(name_field.name) or "").strip()
        credits = cleaned.get(credits_field.name)
        if name and credits is None and credits_field.name not in form.errors:
            form.add_error(credits_field.name, "Enter the credits your prescription gives it.")
        if credits is not None and not name:
            form.add_error(name_field.name, "Type the subcategory as your prescription writes it.")


def other_rows_unmatched(form: forms.Form) -> tuple[UnmatchedSpec, ...]:
    """The unmatched lines of the cleaned form (names with their spacing normalised)."""
    rows = []
    for name_field, credits_field in other_rows(form):
        name = " ".join((form.cleaned_data.get(name_field.name) or "").split())
        credits = form.cleaned_data.get(credits_field.name)
        if name and credits is not None:
            rows.append(UnmatchedSpec(name, credits.quantize(CENT)))
    return tuple(rows)


def other_rows_initial(prescription: Prescription) -> dict[str, Any]:
    """The prescription's open lines not in our outline yet, as form values."""
    initial: dict[str, Any] = {}
    lines = prescription.unmatched_lines.filter(resolved_to__isnull=True).order_by("id")
    for i, line in enumerate(lines, start=1):
        initial[f"{NAME}{i}"] = line.name
        initial[f"{CREDITS}{i}"] = line.credits
    return initial
