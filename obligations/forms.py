"""Forms of the obligations page: they validate input; the services write."""

from __future__ import annotations

from typing import Any

from django import forms

from catalog.models import Discipline
from obligations.models import UNCONFIRMED_TEXT, ObligationTemplate


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ObligationTemplate) -> str:
        return obj.name if obj.confirmed else f"{obj.name} ({UNCONFIRMED_TEXT})"


class CqrWindowForm(forms.Form):
    discipline = forms.ModelChoiceField(
        label="Credential",
        queryset=Discipline.objects.order_by("code"),
        empty_label="Choose the credential",
        error_messages={"required": "Choose the credential of this CQR window."},
    )
    starts_on = forms.DateField(
        label="Window starts",
        required=False,
        widget=DateInput(),
        error_messages={"invalid": "Enter the first day of the window as a date, e.g. 2024-07-01."},
    )
    ends_on = forms.DateField(
        label="Window ends",
        widget=DateInput(),
        help_text="The last day of your three-year CQR compliance window (your ARRT account "
        "shows it).",
        error_messages={
            "required": "Enter the last day of the window.",
            "invalid": "Enter the last day of the window as a date, e.g. 2027-06-30.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "cqr")
        super().__init__(*args, **kwargs)


class ObligationForm(forms.Form):
    template = TemplateChoiceField(
        label="Obligation",
        queryset=ObligationTemplate.objects.filter(is_active=True).order_by("kind", "name"),
        empty_label="Choose an obligation",
        help_text="ARRT biennium (by credential), MQSA, structured education or a state "
        "licence. Rules we could not confirm in the authority's own text say "
        f'"{UNCONFIRMED_TEXT}".',
        error_messages={"required": "Choose the obligation to add."},
    )
    due_on = forms.DateField(
        label="Due date",
        widget=DateInput(),
        help_text="The end of your biennium, your licence's renewal date, or the date your "
        "MQSA credits are counted (the facility's inspection).",
        error_messages={
            "required": "Enter the date this obligation is due.",
            "invalid": "Enter the due date as a date, e.g. 2027-06-30.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "add")
        super().__init__(*args, **kwargs)
