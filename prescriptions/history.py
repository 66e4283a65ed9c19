"""A prescription kept as history ("completed"): the field the entry forms share, and the
form side of the past-deadline rule (the rule itself is
`prescriptions.services.prescription_deadline_error`; the services enforce it); a service's
refusal put on the form."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from prescriptions import services

COMPLETED_HELP = (
    "Tick this for a prescription you have already finished: it is kept in your list as "
    "history and never planned. Only a completed prescription may have a deadline that "
    "has passed."
)


def completed_field() -> forms.BooleanField:
    return forms.BooleanField(
        label="I have completed this prescription (keep it as history)",
        required=False,
        help_text=COMPLETED_HELP,
    )


def check_deadline(form: forms.Form, cleaned: dict[str, Any], field: str = "is_completed") -> None:
    """Put the past-deadline message on the form's deadline field (when it has one)."""
    deadline = cleaned.get("deadline")
    if not isinstance(deadline, date) or "deadline" in form.errors:
        return
    error = services.prescription_deadline_error(
        deadline=deadline, completed=bool(cleaned.get(field))
    )
    if error:
        form.add_error("deadline", error)


def attach_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal on the form field it names (else on the whole form)."""
    for field, message in service_error_items(exc):
        form.add_error(field if field in form.fields else None, message)


def service_error_items(exc: ValidationError) -> list[tuple[str, str]]:
    """(field, message) pairs of a service's ValidationError ("document" when unnamed)."""
    if hasattr(exc, "error_dict"):
        return [
            (field, message)
            for field, errors in exc.error_dict.items()
            for error in errors
            for message in error.messages
        ]
    return [("document", m) for m in exc.messages]
