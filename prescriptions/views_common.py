"""What every prescription page shares: the signed-in user, the owner's prescription through
its access helper (404 for anyone else), its spec, and whether htmx asked."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from django.http import HttpRequest

from prescriptions.documents import (
    PrescriptionInputError,
    PrescriptionSpec,
    prescription_spec_from_model,
)
from prescriptions.models import Prescription
from prescriptions.selectors.access import (
    prescription_get_for_user,
)

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
