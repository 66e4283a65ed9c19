"""Pages of a chosen plan: the checklist (mark done, certificate, undo, re-plan) and its
documents (PDF, ARRT report CSV, calendar)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import display_name
from core.exceptions import ObjectGone, StateChanged
from core.pdf import render_pdf
from core.request_limits import body_limit
from matching.selectors import run_latest_for_prescription
from plans import services
from plans.certificates import CertificateForm, certificate_attach, certificate_download_name
from plans.plan_forms import MarkDoneForm
from plans.selectors.access import certificate_get_for_item, plan_item_get_for_prescription
from plans.selectors.credits import Requirement
from plans.selectors.ical import plan_calendar
from plans.selectors.lines import CourseLine, plan_for_prescription, plan_lines
from plans.selectors.pages import deadline_note, plan_deadline_warning, plan_facts
from plans.selectors.plan_document import PlanDocument, plan_document_for_prescription
from plans.selectors.proof import plan_proof
from plans.selectors.report import report_csv, report_for_prescription
from plans.views_common import PAPERS, owned_prescription, spec_or_none
from prescriptions.models import Prescription
from prescriptions.selectors import wording

# --- Plan --------------------------------------------------------------------------------


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    prescription = owned_prescription(request, pk)
    if prescription.is_completed:
        return history_page(request, prescription)
    return plan_page(request, prescription)


def history_page(request: HttpRequest, prescription: Prescription) -> HttpResponse:
    """A prescription kept as history (completed) is never planned: its plan, PDF and
    calendar URLs lead to its page, which says so (the pages offer no link to them)."""
    messages.info(
        request,
        f"“{prescription}” is kept as history (completed): it has no plan, PDF or calendar.",
    )
    return redirect("prescriptions:detail", pk=prescription.pk)


def plan_page(
    request: HttpRequest,
    prescription: Prescription,
    *,
    bad_form: tuple[int, MarkDoneForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = wording.today()
    plan = plan_for_prescription(prescription)
    spec = spec_or_none(prescription)
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
    prescription = owned_prescription(request, pk)
    try:
        item = plan_item_get_for_prescription(prescription=prescription, item_id=item_id)
    except Http404:
        return plan_item_gone(request, prescription)
    form = MarkDoneForm(request.POST, request.FILES, today=wording.today(), prefix=f"item{item.pk}")
    if form.is_valid():
        try:
            services.plan_item_mark_done(
                item=item,
                done_on=form.cleaned_data["done_on"],
                certificate=form.cleaned_data.get("certificate"),
            )
        except StateChanged as exc:
            return plan_state_changed(request, prescription, exc)
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
    return plan_page(request, prescription, bad_form=(item.pk, form), status=400)


@body_limit("CQR_CERTIFICATE_MAX_BYTES")
@login_required
@require_http_methods(["GET", "POST"])
def plan_item_certificate(request: HttpRequest, pk: int, item_id: int) -> HttpResponseBase:
    """GET: the owner downloads the certificate (404 for anyone else, or when none);
    POST: attach or replace it for a course marked done."""
    prescription = owned_prescription(request, pk)
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
    prescription = owned_prescription(request, pk)
    try:
        item = plan_item_get_for_prescription(prescription=prescription, item_id=item_id)
    except Http404:
        return plan_item_gone(request, prescription)
    try:
        services.plan_item_mark_planned(item=item)
    except StateChanged as exc:
        return plan_state_changed(request, prescription, exc)
    messages.success(request, f"“{item.course.title}” is planned again.")
    return redirect(f"{reverse('prescriptions:plan', args=[pk])}#item-{item.pk}")


@login_required
@require_POST
def plan_replan(request: HttpRequest, pk: int) -> HttpResponse:
    prescription = owned_prescription(request, pk)
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


def plan_item_gone(request: HttpRequest, prescription: Prescription) -> HttpResponse:
    """The item is not in the plan (any more): another bundle was chosen meanwhile (or the
    page is old). The plan page with that message, answered 404."""
    return plan_state_changed(
        request,
        prescription,
        ObjectGone(
            "That course is no longer in your plan: the plan was changed meanwhile (another "
            "bundle was chosen). Reload the plan."
        ),
    )


def plan_state_changed(
    request: HttpRequest, prescription: Prescription, exc: StateChanged
) -> HttpResponse:
    """The plan page with what changed meanwhile, answered 404 (gone) or 409 (conflict)."""
    if not Prescription.objects.filter(pk=prescription.pk).exists():
        raise Http404(str(exc))
    messages.error(request, str(exc))
    return plan_page(request, prescription, status=exc.status)


# --- PDF and calendar --------------------------------------------------------------------


def _plan_document(request: HttpRequest, prescription: Prescription) -> PlanDocument:
    spec = spec_or_none(prescription)
    if spec is None:
        raise Http404("This prescription can no longer be planned.")
    return plan_document_for_prescription(
        # Its owner is the user, loaded with the profile by the access helper.
        prescription=prescription,
        spec=spec,
        technologist=display_name(user=prescription.owner),
    )


@login_required
@require_GET
def plan_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable plan (chosen plan, else the best bundle); Letter, or A4 with ?paper=a4."""
    prescription = owned_prescription(request, pk)
    if prescription.is_completed:
        return history_page(request, prescription)
    paper = request.GET.get("paper", "letter").lower()
    if paper not in PAPERS:
        paper = "letter"
    document = _plan_document(request, prescription)
    # The prescription lets the document say when an open cheaper-plan alert dates its proof.
    pdf = render_pdf(
        "pdf/plan.html", {"doc": document, "paper": paper, "prescription": prescription}
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="cqr-plan-{prescription.pk}.pdf"'
    return response


@login_required
@require_GET
def plan_report_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """What to report to ARRT as CSV: completed activities, then done and left."""
    prescription = owned_prescription(request, pk)
    spec = spec_or_none(prescription)
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
    prescription = owned_prescription(request, pk)
    if prescription.is_completed:
        return history_page(request, prescription)
    ics = plan_calendar(prescription)
    if ics is None:
        raise Http404("This prescription can no longer be planned.")
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cqr-plan-{prescription.pk}.ics"'
    return response
