"""The obligations page: a technologist's credentials, CQR windows, biennium, state
licences and MQSA, each with its rule, due date and source."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.selectors import profile_for_user
from obligations import services
from obligations.forms import CqrWindowForm, ObligationForm
from obligations.selectors import obligation_get_for_user, obligations_for_user


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required


def _credentials(user: User) -> list[Any]:
    profile = profile_for_user(user=user)
    return list(profile.disciplines.all()) if profile else []


def _add_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


@login_required
def obligation_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    action = request.POST.get("action") if request.method == "POST" else None
    cqr_form = CqrWindowForm(request.POST if action == "cqr" else None)
    add_form = ObligationForm(request.POST if action == "add" else None)
    credentials = _credentials(user)
    if action == "cqr" and cqr_form.is_valid():
        data = cqr_form.cleaned_data
        try:
            obligation = services.obligation_add_cqr_window(
                owner=user,
                discipline=data["discipline"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except ValidationError as error:
            _add_errors(cqr_form, error)
        else:
            messages.success(request, f"Added: {obligation.title}.")
            return redirect("obligations:list")
    if action == "add" and add_form.is_valid():
        data = add_form.cleaned_data
        try:
            obligation = services.obligation_add(
                owner=user,
                template=data["template"],
                due_on=data["due_on"],
                credentials={d.code for d in credentials},
            )
        except ValidationError as error:
            _add_errors(add_form, error)
        else:
            messages.success(request, f"Added: {obligation.title}.")
            return redirect("obligations:list")
    obligations = list(obligations_for_user(user=user))
    context = {
        "credentials": credentials,
        "cqr_windows": [o for o in obligations if not o.plannable],
        "obligations": [o for o in obligations if o.plannable],
        "cqr_form": cqr_form,
        "add_form": add_form,
        "form": cqr_form if action == "cqr" else add_form,
    }
    status = 400 if action in {"cqr", "add"} else 200
    return render(request, "obligations/list.html", context, status=status)


@login_required
@require_POST
def obligation_delete(request: HttpRequest, obligation_id: int) -> HttpResponse:
    obligation = obligation_get_for_user(user=_user(request), obligation_id=obligation_id)
    title = obligation.title
    try:
        services.obligation_delete(obligation=obligation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Removed: {title}.")
    return redirect("obligations:list")
