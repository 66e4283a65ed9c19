""" "Paste or upload your prescription": read the text, show every line read with what it
matched and how sure, let the user correct lines and dates, and save only on confirm."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import BaseFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ErrorDetail
from core.request_limits import body_limit
from plans import services
from plans.views_common import saved_message
from prescriptions import services as prescription_services
from prescriptions.documents import PrescriptionInputError, prescription_spec_from_document
from prescriptions.history import attach_service_errors
from prescriptions.parsing import Outline, ParseResult
from prescriptions.text_forms import (
    NEW,
    SKIP,
    ConfirmForm,
    ConfirmLineFormSet,
    PrescriptionTextForm,
    line_initial,
)
from prescriptions.text_import import (
    PrescriptionTextError,
    outlines_for_parsing,
    prescription_text_parse,
)
from prescriptions.unmatched import unmatched_from_document

PREFIX = "lines"


@body_limit("PRESCRIPTION_UPLOAD_MAX_BYTES")
@login_required
@require_http_methods(["GET", "POST"])
def prescription_read(request: HttpRequest) -> HttpResponse:
    """Step 1: the text box or file. A good POST answers with the confirmation page."""
    is_post = request.method == "POST"
    form = PrescriptionTextForm(
        request.POST if is_post else None, request.FILES if is_post else None
    )
    if is_post and form.is_valid():
        field = "file" if form.cleaned_data.get("file") else "text"
        try:
            result = prescription_text_parse(
                text=form.cleaned_data["prescription_text"],
                discipline_code=form.cleaned_data.get("discipline") or None,
            )
        except PrescriptionTextError as exc:
            message = str(exc)
            if exc.about_discipline:
                message += "; choose the discipline below."
            form.add_error("discipline" if exc.about_discipline else field, message)
        else:
            return _confirm_page(request, result=result)
    status = 400 if is_post else 200
    return render(request, "prescriptions/read.html", {"form": form}, status=status)


def _outline(code: str) -> Outline | None:
    found = outlines_for_parsing(discipline_codes=[code]) if code else []
    return found[0] if found else None


def _confirm_page(request: HttpRequest, *, result: ParseResult) -> HttpResponse:
    assert result.discipline is not None
    outline = _outline(result.discipline.code)
    assert outline is not None
    dates = result.dates
    form = ConfirmForm(
        initial={
            "discipline": result.discipline.code,
            "issued_on": dates.issued_on,
            "deadline": dates.deadline,
        }
    )
    formset = ConfirmLineFormSet(
        initial=[line_initial(line) for line in result.lines],
        form_kwargs={"outline": outline},
        prefix=PREFIX,
    )
    return _render_confirm(request, form, formset, outline, dates_found=dates, status=200)


def _render_confirm(
    request: HttpRequest,
    form: ConfirmForm,
    formset: BaseFormSet[Any],
    outline: Outline,
    *,
    dates_found: Any = None,
    extra_errors: list[tuple[str, str, str]] | None = None,
    status: int,
) -> HttpResponse:
    errors = list(extra_errors or [])
    if formset.is_bound:
        for index, line_form in enumerate(formset.forms):
            for name, field_errors in line_form.errors.items():
                anchor = line_form[name].id_for_label if name in line_form.fields else ""
                label = f"Line {index + 1}, {line_form.fields[name].label or name}"
                errors.extend((anchor, label, str(error)) for error in field_errors)
    context = {
        "form": form,
        "formset": formset,
        "outline": outline,
        "dates_found": dates_found,
        "extra_errors": errors,
        "matched_count": sum(1 for f in formset.forms if _value(f, "read_as")),
    }
    return render(request, "prescriptions/read_confirm.html", context, status=status)


def _value(line_form: Any, name: str) -> str:
    bound = line_form[name]
    return str(bound.value() or "")


@login_required
@require_POST
def prescription_read_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: save what the user confirmed, with "not in our outline yet" lines kept."""
    outline = _outline(request.POST.get("discipline", ""))
    if outline is None:
        messages.error(request, "The discipline of that prescription is unknown; read it again.")
        return redirect("prescriptions:read")
    form = ConfirmForm(request.POST)
    formset = ConfirmLineFormSet(request.POST, form_kwargs={"outline": outline}, prefix=PREFIX)
    if not (form.is_valid() and formset.is_valid()):
        return _render_confirm(request, form, formset, outline, status=400)
    document, origin = _document(form.cleaned_data, formset.cleaned_data, outline)
    try:
        spec = prescription_spec_from_document(document, owner_id=request.user.pk)
        unmatched = unmatched_from_document(document)
    except PrescriptionInputError as exc:
        errors = [_spec_error(detail, origin, formset) for detail in exc.details]
        return _render_confirm(request, form, formset, outline, extra_errors=errors, status=400)
    completed = form.cleaned_data["is_completed"]
    try:
        with transaction.atomic():
            prescription = services.prescription_create(
                owner=cast(User, request.user),
                spec=spec,
                title=form.cleaned_data["title"],
                floating_as_of=True,
                completed=completed,
            )
            prescription_services.unmatched_lines_add(prescription=prescription, lines=unmatched)
    except ValidationError as exc:
        attach_service_errors(form, exc)
        return _render_confirm(request, form, formset, outline, status=400)
    kept = f" {len(unmatched)} line(s) not in our outline yet are kept." if unmatched else ""
    messages.success(
        request, f"{saved_message(completed, new=True, prescription=prescription)}{kept}"
    )
    return redirect("prescriptions:detail", pk=prescription.pk)


def _document(
    cleaned: dict[str, Any], lines: list[dict[str, Any]], outline: Outline
) -> tuple[dict[str, Any], list[int]]:
    """The cqr-prescription/1 document the user confirmed, and for each `required` row
    the index of the line it came from."""
    required, unmatched, origin = [], [], []
    for index, line in enumerate(lines):
        choice = line.get("choice")
        credits = f"{line['credits']:.2f}"
        if choice == SKIP or not choice:
            continue
        if choice == NEW:
            unmatched.append({"category": line["name"], "credits": credits, "line": line["line"]})
        else:
            required.append({"category": choice, "credits": credits})
            origin.append(index)
    document = {
        "format": "cqr-prescription/1",
        "discipline": outline.discipline.code,
        "issued_on": cleaned["issued_on"].isoformat(),
        "deadline": cleaned["deadline"].isoformat(),
        "required": required,
        "unmatched": unmatched,
    }
    return document, origin


def _spec_error(
    detail: ErrorDetail, origin: list[int], formset: BaseFormSet[Any]
) -> tuple[str, str, str]:
    """A document error as (anchor, label, message) on the field it is about."""
    field, text = detail.where(), detail.message
    # The document's required[i] came from the line origin[i] of the form.
    lines = {f"required[{i}]": line for i, line in enumerate(origin)}
    if detail.record in lines:
        line = lines[detail.record]
        return (formset.forms[line]["choice"].id_for_label, f"Line {line + 1}", text)
    if field == "required":
        return ("lines", "Lines", "choose a subcategory for at least one line: " + text)
    if field in ("issued_on", "deadline"):
        return (f"id_{field}", field.replace("_", " ").capitalize(), text)
    return ("lines", field, text)
