"""Forms of a chosen plan's checklist: marking a course done (date, optional certificate)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from plans.certificates import ACCEPT as CERTIFICATE_ACCEPT
from prescriptions.forms import DateInput


class MarkDoneForm(forms.Form):
    done_on = forms.DateField(label="Completed on", widget=DateInput())
    certificate = forms.FileField(
        label="Certificate (PDF or image, optional)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": CERTIFICATE_ACCEPT}),
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["done_on"].initial = today
        self.fields["done_on"].widget.attrs["max"] = today.isoformat()
