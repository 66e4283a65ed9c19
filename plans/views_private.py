"""Pages for the courses a technologist added themselves: list, add, edit, delete.

Every course is reached through `private_course_get_for_user` (404 for anyone else's,
a catalog course and a missing id alike); writes are services of
plans/private_courses.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from catalog.models import Course
from plans.private_courses import (
    private_course_create,
    private_course_delete,
    private_course_delete_blockers,
    private_course_update,
)
from plans.private_forms import add_service_errors, private_course_forms, private_course_input
from plans.selectors.private import private_course_get_for_user, private_course_list_for_user


@login_required
@require_GET
def private_course_list(request: HttpRequest) -> HttpResponse:
    courses = private_course_list_for_user(user=request.user)
    return render(request, "prescriptions/private_list.html", {"courses": courses})


def _form_page(request: HttpRequest, course: Course | None) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form, formset = private_course_forms(data, course=course)
    distribution_errors: list[str] = []
    if data is not None and form.is_valid() and formset.is_valid():
        payload = private_course_input(form, formset)
        try:
            if course is None:
                saved = private_course_create(owner=request.user, data=payload)
                verb = "added"
            else:
                saved = private_course_update(course=course, data=payload)
                verb = "saved"
        except ValidationError as error:
            distribution_errors = add_service_errors(error, form)
        else:
            messages.success(
                request,
                f"“{saved.title}” was {verb}. Your open prescriptions can now use it; "
                "re-plan them to compare.",
            )
            return redirect("prescriptions:private_list")
    if data is not None:
        distribution_errors += [str(error) for error in formset.non_form_errors()]
    context: dict[str, Any] = {
        "form": form,
        "formset": formset,
        "course": course,
        "distribution_errors": distribution_errors,
        "row_errors": [
            (f"id_row-{i}-{name}", f"Row {i + 1} {name}", error)
            for i, row in enumerate(formset.forms)
            for name, errors in row.errors.items()
            for error in errors
        ],
    }
    status = 400 if data is not None else 200
    return render(request, "prescriptions/private_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def private_course_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def private_course_edit(request: HttpRequest, private_course_id: int) -> HttpResponse:
    course = private_course_get_for_user(user=request.user, course_id=private_course_id)
    return _form_page(request, course)


@login_required
@require_http_methods(["GET", "POST"])
def private_course_delete_view(request: HttpRequest, private_course_id: int) -> HttpResponse:
    course = private_course_get_for_user(user=request.user, course_id=private_course_id)
    blockers = private_course_delete_blockers(course=course)
    if request.method == "POST" and not blockers:
        try:
            private_course_delete(course=course)
        except ValidationError as error:  # a plan chose it meanwhile
            blockers = [error.messages[0]]
        else:
            messages.success(request, f"“{course.title}” was deleted.")
            return redirect("prescriptions:private_list")
    context = {"course": course, "blockers": blockers}
    status = 400 if request.method == "POST" else 200
    return render(request, "prescriptions/private_delete.html", context, status=status)
