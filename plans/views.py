"""A technologist's pages: prescriptions, their bundles, the chosen plan, PDF and calendar.

Every object is reached through `prescription_get_for_user` (404 for missing and for
another user's alike); runs, bundles and plan items are then looked up within it.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import ErrorDetail, StateChanged
from core.request_limits import body_limit
from matching.models import MatchingRun
from plans import services
from plans.selectors.access import (
    bundle_get_for_prescription,
    course_list_matching,
    prescription_list_for_user,
)
from plans.selectors.pages import bundles_page, run_latest_with_plan_state, run_message
from plans.views_common import owned_prescription, request_user, saved_message, spec_or_none
from plans.views_plan import plan_state_changed
from prescriptions import services as prescription_services
from prescriptions.documents import (
    PrescriptionInputError,
    prescription_document_from_spec,
    prescription_spec_from_document,
)
from prescriptions.forms import (
    PrescriptionForm,
    current_outline,
    initial_from_query,
    prescription_initial,
)
from prescriptions.history import attach_service_errors, service_error_items
from prescriptions.models import Prescription
from prescriptions.obligation_extras import plan_with_choices
from prescriptions.selectors import wording
from prescriptions.selectors.unmatched import unmatched_lines_for_prescription
from prescriptions.text_forms import PrescriptionImportForm
from prescriptions.unmatched import unmatched_from_document

# The name of the no-JavaScript "Show the requirement" button of the entry form.
SHOW_STEP = "show_requirement"


# --- List, entry, import -----------------------------------------------------------------


@login_required
@require_GET
def prescription_list(request: HttpRequest) -> HttpResponse:
    prescriptions = prescription_list_for_user(user=request.user)
    return render(
        request,
        "prescriptions/list.html",
        {"prescriptions": prescriptions, "today": wording.today()},
    )


def _form_page(
    request: HttpRequest,
    *,
    prescription: Prescription | None,
) -> HttpResponse:
    """The entry form (new or edit). Two steps without JavaScript: the discipline first
    ("Show the requirement" posts the form back with SHOW_STEP, or `?discipline=CT`)."""
    # The step posts (a GET would put the CSRF token in the address and the history);
    # it saves nothing and shows no errors: only what was typed is kept.
    step = request.POST if request.method == "POST" and SHOW_STEP in request.POST else None
    data: QueryDict | None = request.POST if request.method == "POST" and not step else None
    query = step or request.GET
    code = (data or query).get("discipline") or (
        prescription.outline.discipline.code if prescription else None
    )
    if code is None and request.method == "GET":
        code = _profile_discipline(request)
    issued_on = (data or request.GET).get("issued_on") or (
        prescription.issued_on if prescription else None
    )
    outline = current_outline(code, issued_on=issued_on)  # the version in force then
    initial = prescription_initial(prescription) if prescription else {}
    if prescription and outline and outline.discipline.code != initial.get("discipline"):
        initial = {}
    # Keep what was typed before the step, and what is being planned.
    initial.update(initial_from_query(query))
    obligation = query.get("obligation") if data is None else None
    form = PrescriptionForm(
        data,
        outline=outline,
        obligation=obligation,
        initial=initial,
        owner_id=request_user(request).pk,
    )
    if data is not None and form.is_valid():
        # The form's own spec (what it loaded to validate), not a document parsed again.
        spec = form.spec(owner_id=request_user(request).pk)
        unmatched = form.unmatched()
        completed = form.cleaned_data["is_completed"]
        kwargs: dict[str, Any] = {
            "spec": spec,
            "title": form.cleaned_data["title"],
            "share_anonymously": form.cleaned_data["share_anonymously"],
            "floating_as_of": not form.cleaned_data.get("as_of"),
            "completed": completed,
        }
        try:
            with transaction.atomic():
                if prescription is None:
                    saved = services.prescription_create(owner=request_user(request), **kwargs)
                else:
                    saved = services.prescription_update(prescription=prescription, **kwargs)
                if prescription is not None:
                    prescription_services.unmatched_lines_replace(
                        prescription=saved, lines=unmatched
                    )
                elif unmatched:
                    prescription_services.unmatched_lines_add(prescription=saved, lines=unmatched)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(
                request,
                saved_message(completed, new=prescription is None, prescription=saved),
            )
            return redirect("prescriptions:detail", pk=saved.pk)
    context = {
        "form": form,
        "outline": outline,
        "prescription": prescription,
        "show_step": SHOW_STEP,
        "unknown_discipline": code if code and outline is None else None,
        "action": (
            reverse("prescriptions:edit", args=[prescription.pk])
            if prescription
            else reverse("prescriptions:new")
        ),
    }
    # A POST that reaches here did not save: its form has errors.
    status = 200 if data is None else 400
    return render(request, "prescriptions/form.html", context, status=status)


def _profile_discipline(request: HttpRequest) -> str | None:
    profile = getattr(request.user, "profile", None)
    if profile is None:
        return None
    first = profile.disciplines.order_by("code").first()
    return first.code if first else None


@login_required
@require_http_methods(["GET", "POST"])
def prescription_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, prescription=None)


@login_required
@require_http_methods(["GET", "POST"])
def prescription_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, prescription=owned_prescription(request, pk))


@login_required
@require_GET
def discipline_fields(request: HttpRequest) -> HttpResponse:
    """The parts of the form that depend on the discipline and on what is planned (htmx
    swaps them in when either changes); the dates typed so far are kept."""
    outline = current_outline(request.GET.get("discipline"), issued_on=request.GET.get("issued_on"))
    form = PrescriptionForm(
        outline=outline,
        obligation=request.GET.get("obligation"),
        initial=initial_from_query(request.GET),
        owner_id=request_user(request).pk,
    )
    response = render(
        request, "prescriptions/_discipline_partial.html", {"form": form, "outline": outline}
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def course_search(request: HttpRequest) -> HttpResponse:
    """`<option>`s for a course picker's datalist: courses of the discipline matching q."""
    outline = current_outline(request.GET.get("discipline"))
    courses = (
        course_list_matching(
            discipline_id=outline.discipline_id,
            query=request.GET.get("q", ""),
            owner_id=request_user(request).pk,
        )
        if outline
        else []
    )
    return render(request, "prescriptions/_course_options.html", {"courses": courses})


@body_limit("PRESCRIPTION_UPLOAD_MAX_BYTES")
@login_required
@require_http_methods(["GET", "POST"])
def prescription_import(request: HttpRequest) -> HttpResponse:
    is_post = request.method == "POST"
    form = PrescriptionImportForm(
        request.POST if is_post else None, request.FILES if is_post else None
    )
    document_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        document = form.cleaned_data.get("document")
        try:
            spec = prescription_spec_from_document(document, owner_id=request_user(request).pk)
            unmatched = unmatched_from_document(document if isinstance(document, dict) else {})
        except PrescriptionInputError as exc:
            document_errors = [wording.document_error_words(detail) for detail in exc.details]
        else:
            completed = form.cleaned_data["is_completed"]
            try:
                with transaction.atomic():
                    prescription = services.prescription_create(
                        owner=request_user(request),
                        spec=spec,
                        title=form.cleaned_data["title"],
                        share_anonymously=form.cleaned_data["share_anonymously"],
                        floating_as_of=not (isinstance(document, dict) and document.get("as_of")),
                        completed=completed,
                    )
                    prescription_services.unmatched_lines_add(
                        prescription=prescription, lines=unmatched
                    )
            except ValidationError as exc:
                # Named like the parser's messages: "deadline: …" is about the document's key.
                document_errors = [
                    wording.document_error_words(ErrorDetail.at_path(field, message))
                    for field, message in service_error_items(exc)
                ]
            else:
                messages.success(
                    request,
                    saved_message(completed, new=True, imported=True, prescription=prescription),
                )
                return redirect("prescriptions:detail", pk=prescription.pk)
    anchor = "id_file" if request.FILES.get("file") else "id_text"
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "prescriptions/import.html",
        {
            "form": form,
            "document_errors": document_errors,
            "extra_errors": [(anchor, "The JSON document", e) for e in document_errors],
            "error_anchor": anchor,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def prescription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    prescription = owned_prescription(request, pk)
    if request.method == "POST":
        prescription_services.prescription_delete(prescription=prescription)
        messages.success(request, f"“{prescription}” was deleted.")
        return redirect("prescriptions:list")
    return render(request, "prescriptions/delete.html", {"prescription": prescription})


@login_required
@require_GET
def prescription_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The prescription as a `cqr-prescription/1` document (to keep or to import again)."""
    prescription = owned_prescription(request, pk)
    spec = spec_or_none(prescription)
    if spec is None:
        return HttpResponse("This prescription can no longer be exported.", status=409)
    document = prescription_document_from_spec(spec)
    if prescription.as_of is None:
        document.pop("as_of", None)
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="prescription-{prescription.pk}.json"'
    return response


# --- Bundles -----------------------------------------------------------------------------


# The finished-run part of the bundles page is cached per run and plan state: computing
# it (the spec, every bundle's courses and credits) is most of the page's cost, and it
# only changes with a new run, a new plan, an edit of the prescription or a stale flag.
RUN_HTML_SECONDS = 300
CSRF_MARK = "<!--csrf-field-->"


def _run_html(request: HttpRequest, prescription: Prescription, run: MatchingRun) -> str | None:
    """The finished run's HTML (stale notice, bundles or shortfall), or None when the
    prescription no longer parses against its outline. `run` carries the plan state
    (`run_latest_with_plan_state`)."""
    plan_bundle_id = getattr(run, "plan_bundle_id", None)
    plan_updated_at = getattr(run, "plan_updated_at", None)
    key = ":".join(
        str(part)
        for part in (
            "run-html:v1",
            run.pk,
            run.is_stale,
            prescription.updated_at.timestamp(),
            plan_bundle_id,
            plan_updated_at.timestamp() if plan_updated_at else None,
        )
    )
    html: str | None = cache.get(key)
    if html is None:
        spec = spec_or_none(prescription)
        if spec is None:
            return None
        context: dict[str, Any] = {
            "prescription": prescription,
            "run": run,
            "plan_bundle_id": plan_bundle_id,
            "csrf_field": mark_safe(CSRF_MARK),  # noqa: S308 - a constant marker
            **bundles_page(prescription=prescription, spec=spec, run=run),
        }
        html = render_to_string("prescriptions/_run_result.html", context)
        cache.set(key, html, RUN_HTML_SECONDS)
    token = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
    )
    return html.replace(CSRF_MARK, token)


@login_required
@require_GET
def prescription_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest run: live progress while it computes, then the ranked bundles."""
    prescription = owned_prescription(request, pk)
    run = run_latest_with_plan_state(prescription)
    context: dict[str, Any] = {
        "prescription": prescription,
        "run": run,
        "spec_invalid": False,
        "unmatched_lines": list(unmatched_lines_for_prescription(prescription)),
        # Kept as history (completed), it is never planned, so not with other obligations.
        "plan_with": None if prescription.is_completed else plan_with_choices(prescription),
    }
    if run is not None and run.status == MatchingRun.Status.DONE:
        html = _run_html(request, prescription, run)
        context["spec_invalid"] = html is None
        context["run_html"] = mark_safe(html or "")  # noqa: S308 - rendered by our template
    elif spec_or_none(prescription) is None:
        context["spec_invalid"] = True
    return render(request, "prescriptions/detail.html", context)


@login_required
@require_POST
def prescription_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    prescription = owned_prescription(request, pk)
    try:
        services.prescription_recompute(prescription=prescription)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            run_message(
                prescription,
                "Bundles recomputed with the current catalog.",
                computing="Recomputing your bundles with the current catalog…",
            ),
        )
    return redirect("prescriptions:detail", pk=prescription.pk)


@login_required
@require_POST
def bundle_choose(request: HttpRequest, pk: int, bundle_id: int) -> HttpResponse:
    prescription = owned_prescription(request, pk)
    bundle = bundle_get_for_prescription(prescription=prescription, bundle_id=bundle_id)
    try:
        services.plan_choose(prescription=prescription, bundle=bundle)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("prescriptions:detail", pk=prescription.pk)
    except StateChanged as exc:
        return plan_state_changed(request, prescription, exc)
    messages.success(request, f"“{bundle.label[:1].upper()}{bundle.label[1:]}” is now your plan.")
    return redirect("prescriptions:plan", pk=prescription.pk)
