"""A technologist's pages: prescriptions, their bundles, the chosen plan, PDF and calendar.

Every object is reached through `prescription_get_for_user` (404 for missing and for
another user's alike); runs, bundles and plan items are then looked up within it.
"""

from __future__ import annotations

import json
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import display_name
from core.exceptions import StateChanged
from core.pdf import render_pdf
from core.request_limits import body_limit
from matching.models import MatchingRun
from matching.selectors import run_latest_for_prescription
from prescriptions import services
from prescriptions.certificates import (
    CertificateForm,
    certificate_attach,
    certificate_download_name,
)
from prescriptions.documents import (
    PrescriptionInputError,
    PrescriptionSpec,
    prescription_document_from_spec,
    prescription_spec_from_document,
    prescription_spec_from_model,
)
from prescriptions.forms import (
    MarkDoneForm,
    PrescriptionForm,
    current_outline,
    initial_from_query,
    prescription_initial,
)
from prescriptions.history import attach_service_errors, saved_message, service_error_items
from prescriptions.models import Prescription
from prescriptions.obligation_extras import plan_with_choices
from prescriptions.selectors import wording
from prescriptions.selectors.access import (
    bundle_get_for_prescription,
    certificate_get_for_item,
    course_list_matching,
    plan_item_get_for_prescription,
    prescription_get_for_user,
    prescription_list_for_user,
)
from prescriptions.selectors.credits import Requirement
from prescriptions.selectors.ical import plan_calendar
from prescriptions.selectors.lines import CourseLine, plan_for_prescription, plan_lines
from prescriptions.selectors.pages import (
    bundles_page,
    deadline_note,
    plan_deadline_warning,
    plan_facts,
    run_latest_with_plan_state,
    run_message,
)
from prescriptions.selectors.plan_document import PlanDocument, plan_document_for_prescription
from prescriptions.selectors.proof import plan_proof
from prescriptions.selectors.report import report_csv, report_for_prescription
from prescriptions.selectors.unmatched import unmatched_lines_for_prescription
from prescriptions.text_forms import PrescriptionImportForm
from prescriptions.unmatched import unmatched_from_document

PAPERS = {"letter", "a4"}
# The name of the no-JavaScript "Show the requirement" button of the entry form.
SHOW_STEP = "show_requirement"


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # every view here is login_required


def _prescription(request: HttpRequest, pk: int) -> Prescription:
    return prescription_get_for_user(user=request.user, prescription_id=pk)


def _spec(prescription: Prescription) -> PrescriptionSpec | None:
    try:
        return prescription_spec_from_model(prescription)
    except PrescriptionInputError:
        return None


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
        data, outline=outline, obligation=obligation, initial=initial, owner_id=_user(request).pk
    )
    spec_errors: list[str] = []
    if data is not None and form.is_valid():
        document = form.document()
        try:
            spec = prescription_spec_from_document(document, owner_id=_user(request).pk)
            unmatched = unmatched_from_document(document)
        except PrescriptionInputError as exc:
            spec_errors = [wording.document_error_words(error) for error in exc.errors]
        else:
            completed = form.cleaned_data["is_completed"]
            kwargs: dict[str, Any] = {
                "spec": spec,
                "title": form.cleaned_data["title"],
                "share_anonymously": form.cleaned_data["share_anonymously"],
                "floating_as_of": "as_of" not in document,
                "completed": completed,
            }
            try:
                with transaction.atomic():
                    if prescription is None:
                        saved = services.prescription_create(owner=_user(request), **kwargs)
                    else:
                        saved = services.prescription_update(prescription=prescription, **kwargs)
                    if prescription is not None:
                        services.unmatched_lines_replace(prescription=saved, lines=unmatched)
                    elif unmatched:
                        services.unmatched_lines_add(prescription=saved, lines=unmatched)
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
        "spec_errors": spec_errors,
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
    return _form_page(request, prescription=_prescription(request, pk))


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
        owner_id=_user(request).pk,
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
            owner_id=_user(request).pk,
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
            spec = prescription_spec_from_document(document, owner_id=_user(request).pk)
            unmatched = unmatched_from_document(document if isinstance(document, dict) else {})
        except PrescriptionInputError as exc:
            document_errors = [wording.document_error_words(error) for error in exc.errors]
        else:
            completed = form.cleaned_data["is_completed"]
            try:
                with transaction.atomic():
                    prescription = services.prescription_create(
                        owner=_user(request),
                        spec=spec,
                        title=form.cleaned_data["title"],
                        share_anonymously=form.cleaned_data["share_anonymously"],
                        floating_as_of=not (isinstance(document, dict) and document.get("as_of")),
                        completed=completed,
                    )
                    services.unmatched_lines_add(prescription=prescription, lines=unmatched)
            except ValidationError as exc:
                # Named like the parser's messages: "deadline: …" is about the document's key.
                document_errors = [
                    wording.document_error_words(f"{field}: {message}")
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
    prescription = _prescription(request, pk)
    if request.method == "POST":
        services.prescription_delete(prescription=prescription)
        messages.success(request, f"“{prescription}” was deleted.")
        return redirect("prescriptions:list")
    return render(request, "prescriptions/delete.html", {"prescription": prescription})


@login_required
@require_GET
def prescription_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The prescription as a `cqr-prescription/1` document (to keep or to import again)."""
    prescription = _prescription(request, pk)
    spec = _spec(prescription)
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
        spec = _spec(prescription)
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
    prescription = _prescription(request, pk)
    run = run_latest_with_plan_state(prescription)
    context: dict[str, Any] = {
        "prescription": prescription,
        "run": run,
        "spec_invalid": False,
        "unmatched_lines": list(unmatched_lines_for_prescription(prescription)),
        "plan_with": plan_with_choices(prescription),
    }
    if run is not None and run.status == MatchingRun.Status.DONE:
        html = _run_html(request, prescription, run)
        context["spec_invalid"] = html is None
        context["run_html"] = mark_safe(html or "")  # noqa: S308 - rendered by our template
    elif _spec(prescription) is None:
        context["spec_invalid"] = True
    return render(request, "prescriptions/detail.html", context)


@login_required
@require_POST
def prescription_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    prescription = _prescription(request, pk)
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
    prescription = _prescription(request, pk)
    bundle = bundle_get_for_prescription(prescription=prescription, bundle_id=bundle_id)
    try:
        services.plan_choose(prescription=prescription, bundle=bundle)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("prescriptions:detail", pk=prescription.pk)
    except StateChanged as exc:
        return _state_changed(request, prescription, exc)
    messages.success(request, f"“{bundle.label[:1].upper()}{bundle.label[1:]}” is now your plan.")
    return redirect("prescriptions:plan", pk=prescription.pk)


# --- Plan --------------------------------------------------------------------------------


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    prescription = _prescription(request, pk)
    return _plan_page(request, prescription)


def _plan_page(
    request: HttpRequest,
    prescription: Prescription,
    *,
    bad_form: tuple[int, MarkDoneForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = wording.today()
    plan = plan_for_prescription(prescription)
    spec = _spec(prescription)
    run = run_latest_for_prescription(prescription)
    context: dict[str, Any] = {
        "prescription": prescription,
        "plan": plan,
        "run": run,
        "today": today,
        "deadline_warning": plan_deadline_warning(prescription, today=today),
        "deadline_note": deadline_note(spec) if spec is not None else "",
        "proof": plan_proof(plan),
    }
    if plan is not None and spec is not None:
        sheet = Requirement(spec).sheet(plan_lines(plan, today=today))
        sheet.price = plan.price
        rows: list[tuple[CourseLine, MarkDoneForm | None]] = []
        for line in sheet.lines:
            form = None
            if line.item_id is not None and not line.is_done:
                if bad_form and bad_form[0] == line.item_id:
                    form = bad_form[1]
                else:
                    form = MarkDoneForm(today=today, prefix=f"item{line.item_id}")
            rows.append((line, form))
        context.update(
            {
                "sheet": sheet,
                "facts": plan_facts(plan, sheet),
                "rows": rows,
                "done_count": sum(1 for line in sheet.lines if line.is_done),
                "planned_count": sum(1 for line in sheet.lines if not line.is_done),
                "needs_replan": bool(
                    (sheet.remaining_tallies and not sheet.all_met)
                    or any(line.warnings for line in sheet.lines)
                ),
            }
        )
    return render(request, "prescriptions/plan.html", context, status=status)


@body_limit("CQR_CERTIFICATE_MAX_BYTES")
@login_required
@require_POST
def plan_item_done(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    prescription = _prescription(request, pk)
    item = plan_item_get_for_prescription(prescription=prescription, item_id=item_id)
    form = MarkDoneForm(request.POST, request.FILES, today=wording.today(), prefix=f"item{item.pk}")
    if form.is_valid():
        try:
            services.plan_item_mark_done(
                item=item,
                done_on=form.cleaned_data["done_on"],
                certificate=form.cleaned_data.get("certificate"),
            )
        except StateChanged as exc:
            return _state_changed(request, prescription, exc)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for message in exc.messages:
                    form.add_error("done_on", message)
            else:
                for message in exc.messages:
                    form.add_error("certificate", message)
        else:
            messages.success(request, f"Marked “{item.course.title}” as done.")
            return redirect(f"{reverse('prescriptions:plan', args=[pk])}#item-{item.pk}")
    return _plan_page(request, prescription, bad_form=(item.pk, form), status=400)


@body_limit("CQR_CERTIFICATE_MAX_BYTES")
@login_required
@require_http_methods(["GET", "POST"])
def plan_item_certificate(request: HttpRequest, pk: int, item_id: int) -> HttpResponseBase:
    """GET: the owner downloads the certificate (404 for anyone else, or when none);
    POST: attach or replace it for a course marked done."""
    prescription = _prescription(request, pk)
    item = plan_item_get_for_prescription(prescription=prescription, item_id=item_id)
    if request.method == "GET":
        certificate = certificate_get_for_item(item=item)
        response = FileResponse(
            certificate.file.open("rb"),
            as_attachment=True,
            filename=certificate_download_name(certificate),
            content_type=certificate.content_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response
    form = CertificateForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            certificate_attach(item=item, upload=form.cleaned_data["certificate"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Certificate attached to “{item.course.title}”.")
    else:
        messages.error(request, "Choose the certificate file to attach.")
    return redirect(f"{reverse('prescriptions:plan', args=[pk])}#item-{item.pk}")


@login_required
@require_POST
def plan_item_undo(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    prescription = _prescription(request, pk)
    item = plan_item_get_for_prescription(prescription=prescription, item_id=item_id)
    try:
        services.plan_item_mark_planned(item=item)
    except StateChanged as exc:
        return _state_changed(request, prescription, exc)
    messages.success(request, f"“{item.course.title}” is planned again.")
    return redirect(f"{reverse('prescriptions:plan', args=[pk])}#item-{item.pk}")


@login_required
@require_POST
def plan_replan(request: HttpRequest, pk: int) -> HttpResponse:
    prescription = _prescription(request, pk)
    try:
        services.plan_replan(prescription=prescription)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("prescriptions:plan", pk=prescription.pk)
    except StateChanged as exc:
        raise Http404(str(exc)) from exc  # the prescription was deleted meanwhile
    messages.success(
        request,
        "Your completed courses now count toward the prescription. Here are new bundles for "
        "the rest; choose one to update your plan.",
    )
    return redirect("prescriptions:detail", pk=prescription.pk)


def _state_changed(
    request: HttpRequest, prescription: Prescription, exc: StateChanged
) -> HttpResponse:
    """The plan page with what changed meanwhile, answered 404 (gone) or 409 (conflict)."""
    if not Prescription.objects.filter(pk=prescription.pk).exists():
        raise Http404(str(exc))
    messages.error(request, str(exc))
    return _plan_page(request, prescription, status=exc.status)


# --- PDF and calendar --------------------------------------------------------------------


def _plan_document(request: HttpRequest, prescription: Prescription) -> PlanDocument:
    spec = _spec(prescription)
    if spec is None:
        raise Http404("This prescription can no longer be planned.")
    return plan_document_for_prescription(
        prescription=prescription, spec=spec, technologist=display_name(user=_user(request))
    )


@login_required
@require_GET
def plan_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable plan (chosen plan, else the best bundle); Letter, or A4 with ?paper=a4."""
    prescription = _prescription(request, pk)
    paper = request.GET.get("paper", "letter").lower()
    if paper not in PAPERS:
        paper = "letter"
    document = _plan_document(request, prescription)
    pdf = render_pdf("pdf/plan.html", {"doc": document, "paper": paper})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="cqr-plan-{prescription.pk}.pdf"'
    return response


@login_required
@require_GET
def plan_report_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """What to report to ARRT as CSV: completed activities, then done and left."""
    prescription = _prescription(request, pk)
    spec = _spec(prescription)
    if spec is None:
        raise Http404("This prescription can no longer be planned.")
    response = HttpResponse(
        report_csv(report_for_prescription(prescription, spec)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="arrt-report-{prescription.pk}.csv"'
    return response


@login_required
@require_GET
def plan_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """An iCalendar file: the plan's courses, events and deadline, with reminders."""
    prescription = _prescription(request, pk)
    ics = plan_calendar(prescription)
    if ics is None:
        raise Http404("This prescription can no longer be planned.")
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cqr-plan-{prescription.pk}.ics"'
    return response
