"""Insights forms: they only validate; views call selectors and services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator, RegexValidator

TARGET_CHOICES = [
    ("", "as many prescriptions as possible"),
    ("75", "at least 75% of the common patterns"),
    ("50", "at least 50% of the common patterns"),
    ("25", "at least 25% of the common patterns"),
]


class SuggestionForm(forms.Form):
    """The GET parameters of the suggestion page."""

    discipline = forms.CharField(max_length=8)
    target = forms.TypedChoiceField(
        choices=TARGET_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        label="Cover",
    )


class PackageCreateForm(forms.Form):
    """Create the suggested package; the staff member may edit code, title and price."""

    discipline = forms.CharField(max_length=8, widget=forms.HiddenInput)
    courses = forms.TypedMultipleChoiceField(
        coerce=int, widget=forms.MultipleHiddenInput, choices=()
    )
    code = forms.CharField(
        max_length=100,
        validators=[
            RegexValidator(
                r"^[-a-zA-Z0-9_]+$", "Use letters, digits, hyphens and underscores only."
            )
        ],
        help_text="Unique among your packages; letters, digits, hyphens and underscores.",
    )
    title = forms.CharField(max_length=300)
    price = forms.DecimalField(
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Suggested: 80% of the members' own prices. Edit it before creating.",
    )

    def __init__(self, *args: object, course_ids: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["courses"].choices = [(i, str(i)) for i in course_ids]  # type: ignore[attr-defined]
