"""Plan a prescription alone or together with the technologist's other obligations."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from obligations.selectors import obligation_get_for_user
from plans.obligations import prescription_obligations_set
from plans.selectors.access import prescription_get_for_user


@login_required
@require_POST
def prescription_obligations(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Plan together with" form: the checked obligations replace the planned ones
    (none checked: the prescription alone), then the bundles are recomputed."""
    user = cast(User, request.user)  # login_required
    prescription = prescription_get_for_user(user=user, prescription_id=pk)
    ids: list[int] = []
    for value in request.POST.getlist("obligation"):
        if not value.isdigit():
            messages.error(request, f"“{value}” is not an obligation of yours.")
            return redirect("prescriptions:detail", pk=prescription.pk)
        ids.append(int(value))
    chosen = [obligation_get_for_user(user=user, obligation_id=i) for i in ids]
    try:
        prescription_obligations_set(prescription=prescription, obligations=chosen)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("prescriptions:detail", pk=prescription.pk)
    if chosen:
        names = ", ".join(o.title for o in chosen)
        messages.success(request, f"Planning together with {names}: recomputing your bundles…")
    else:
        messages.success(request, "Planning the prescription alone: recomputing your bundles…")
    return redirect("prescriptions:detail", pk=prescription.pk)
