"""What every prescription page shares: the signed-in user, the owner's prescription through
its access helper (404 for anyone else), its spec, whether htmx asked, and what the next
page says about a save."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from django.http import HttpRequest

from plans.selectors.access import prescription_get_for_user
from plans.selectors.pages import run_message
from prescriptions.documents import PrescriptionInputError, PrescriptionSpec
from prescriptions.models import Prescription
from prescriptions.spec_rows import prescription_spec_from_model

PAPERS = {"letter", "a4"}


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def request_user(request: HttpRequest) -> User:
    return cast(User, request.user)  # every view here is login_required


def owned_prescription(request: HttpRequest, pk: int) -> Prescription:
    return prescription_get_for_user(user=request.user, prescription_id=pk)


def spec_or_none(prescription: Prescription) -> PrescriptionSpec | None:
    try:
        return prescription_spec_from_model(prescription)
    except PrescriptionInputError:
        return None


def saved_message(
    completed: bool, *, new: bool, prescription: Prescription, imported: bool = False
) -> str:
    """What the next page says about the save; "Computing…" only while the run is
    unfinished (`plans.selectors.pages.run_message`)."""
    if completed:
        return "Prescription kept as history (completed); it is not planned."
    if imported:
        return run_message(prescription, "Prescription imported.")
    if new:
        return run_message(prescription, "Prescription saved.")
    return run_message(
        prescription,
        "Prescription updated.",
        computing="Prescription updated. Recomputing your bundles…",
    )
