"""Prescriptions API for technologists: prescriptions (`cqr-prescription/1`) and plans.

Every object is reached through `prescription_get_for_user` (404 for missing and for
anyone else's), and every write is a service of prescriptions/services.py.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ApiView, PageNumberPagination, error_response, paginated_response
from matching.models import Bundle, MatchingRun
from matching.selectors import run_latest_for_prescription
from matching.serializers import RunOutputSerializer
from plans.models import Plan
from plans.selectors.access import (
    plan_item_get_for_prescription,
    prescription_get_for_user,
    prescription_list_for_user,
)
from plans.serializers import (
    PlanOutputSerializer,
    PrescriptionCreateInputSerializer,
    PrescriptionDetailSerializer,
    PrescriptionListItemSerializer,
    PrescriptionSummarySerializer,
)
from plans.services import (
    plan_choose,
    plan_item_mark_done,
    plan_item_mark_planned,
    plan_replan,
    prescription_create,
)
from prescriptions.documents import (
    PrescriptionInputError,
    PrescriptionSpec,
    prescription_document_from_spec,
    prescription_spec_from_document,
)
from prescriptions.models import Prescription
from prescriptions.services import prescription_delete, unmatched_lines_add
from prescriptions.spec_rows import prescription_spec_from_model
from prescriptions.text_import import (
    PDF_MAGIC,
    PrescriptionTextError,
    parse_result_document,
    parse_result_lines,
    prescription_text_from_file,
    prescription_text_parse,
)
from prescriptions.unmatched import unmatched_from_document

TAG = ["prescriptions"]
PLAN_TAG = ["plans"]
EXAMPLE_PRESCRIPTION = {
    "format": "cqr-prescription/1",
    "title": "My 2026 CQR",
    "discipline": "CT",
    "issued_on": "2026-09-01",
    "deadline": "2027-12-31",
    "required": [
        {"category": "Image Formation", "credits": "3.0"},
        {"category": "Radiation Safety and Dose", "credits": "1.5"},
    ],
    "completed": [],
    "owned": [],
    "hours_per_week": "2.0",
    "formats": ["online", "home-study", "webinar", "live"],
    "exclude_providers": [],
}


def prescription_links(request: Request, prescription: Prescription) -> dict[str, str]:
    """Absolute links from a prescription to its API resources and web pages. One kept as
    history (completed) is never planned: it links to itself and its page only."""
    pk = prescription.pk

    def absolute(path: str) -> str:
        return request.build_absolute_uri(path)

    links = {
        "self": absolute(reverse("api:prescription_detail", args=[pk])),
        "web": absolute(reverse("prescriptions:detail", args=[pk])),
    }
    if prescription.is_completed:
        return links
    return {
        **links,
        "bundles": absolute(reverse("api:prescription_bundles", args=[pk])),
        "recompute": absolute(reverse("api:run_create", args=[pk])),
        "plan": absolute(reverse("api:plan_detail", args=[pk])),
        "plan_pdf": absolute(reverse("prescriptions:plan_pdf", args=[pk])),
        "plan_calendar": absolute(reverse("prescriptions:plan_ics", args=[pk])),
    }


def prescription_detail_data(
    request: Request, prescription: Prescription, *, spec: PrescriptionSpec | None = None
) -> dict[str, Any]:
    """The detail representation (see PrescriptionDetailSerializer). `spec`: the one the
    prescription was just saved from (else it is built from the rows)."""
    context = {"request": request}
    data = dict(PrescriptionSummarySerializer(prescription, context=context).data)
    try:
        document: dict[str, Any] | None = prescription_document_from_spec(
            spec or prescription_spec_from_model(prescription)
        )
    except PrescriptionInputError:
        document = None  # e.g. its outline changed under it; the page explains, not the API
    if document is not None and prescription.as_of is None:
        document.pop("as_of", None)  # plans from each run's today
    run = run_latest_for_prescription(prescription)
    data["document"] = document
    data["latest_run"] = RunOutputSerializer(run, context=context).data if run else None
    data["has_plan"] = Plan.objects.filter(prescription=prescription).exists()
    data["links"] = prescription_links(request, prescription)
    return data


class PrescriptionListApi(ApiView):
    """Your prescriptions, soonest deadline first, with the latest run's status."""

    pagination_class = PageNumberPagination

    @extend_schema(tags=TAG, responses={200: PrescriptionListItemSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return paginated_response(
            request=request,
            view=self,
            queryset=prescription_list_for_user(user=request.user),
            serializer_class=PrescriptionListItemSerializer,
        )


class PrescriptionCreateApi(ApiView):
    """Save a `cqr-prescription/1` document as your prescription and compute its bundles.

    The response includes the first matching run; poll `latest_run.url` until it is done,
    then GET `links.bundles` for the `cqr-recommendation/1` document.
    """

    body_limit_setting = "PRESCRIPTION_UPLOAD_MAX_BYTES"

    @extend_schema(
        tags=TAG,
        request=PrescriptionCreateInputSerializer,
        responses={201: PrescriptionDetailSerializer, 400: error_response(400)},
        examples=[
            OpenApiExample("A CT prescription", value=EXAMPLE_PRESCRIPTION, request_only=True)
        ],
    )
    def post(self, request: Request) -> Response:
        document = request.data
        if not isinstance(document, dict):
            raise PrescriptionInputError.at("document", "must be a JSON object")
        title, share = _title_and_sharing(document)
        completed = _completed(document)
        spec = prescription_spec_from_document(document, owner_id=request.user.pk)
        unmatched = unmatched_from_document(document)
        with transaction.atomic():
            prescription = prescription_create(
                owner=request.user,  # type: ignore[arg-type]  # IsAuthenticated: never anonymous
                spec=spec,
                title=title,
                share_anonymously=share,
                floating_as_of=document.get("as_of") is None,
                completed=completed,
            )
            if unmatched:
                unmatched_lines_add(prescription=prescription, lines=unmatched)
        return Response(
            prescription_detail_data(request, prescription, spec=spec),
            status=status.HTTP_201_CREATED,
        )


class PrescriptionParseInputSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(required=False, help_text="the text, or:")
    pdf_base64 = serializers.CharField(required=False, help_text="ARRT's PDF, base64")
    discipline = serializers.CharField(required=False)


class PrescriptionParseApi(ApiView):
    """Read a prescription as copied from ARRT's site; nothing is saved.

    Send JSON `{"text": "...", "discipline": "CT"}` (discipline optional: else named in
    the text), or `{"pdf_base64": "..."}` for ARRT's PDF. The answer's `document` is
    the cqr-prescription/1 proposal (§7: `required` with each original `line`,
    `unmatched`, and the dates found); `lines` says for every line read what it matched
    and how sure. Complete the proposal (dates, corrections) and POST it to the create
    endpoint to save; its `unmatched` lines are then kept as "not in our outline yet".
    """

    body_limit_setting = "PRESCRIPTION_UPLOAD_MAX_BYTES"

    @extend_schema(
        tags=TAG,
        request=PrescriptionParseInputSerializer,
        responses={200: OpenApiResponse(description="the proposal"), 400: error_response(400)},
    )
    def post(self, request: Request) -> Response:
        data = request.data
        if not isinstance(data, dict):
            raise serializers.ValidationError({"text": "send a JSON object with the text"})
        text, discipline = data.get("text"), data.get("discipline") or None
        pdf = data.get("pdf_base64")
        field = "pdf_base64" if pdf is not None else "text"
        if discipline is not None and not isinstance(discipline, str):
            raise serializers.ValidationError({"discipline": "must be a discipline code"})
        if pdf is not None and text is not None:
            raise serializers.ValidationError({"text": "send the text or pdf_base64, not both"})
        if pdf is not None:
            text = _pdf_text(pdf)
        if not isinstance(text, str) or not text.strip():
            raise serializers.ValidationError({"text": "must be the prescription's text"})
        try:
            result = prescription_text_parse(text=text, discipline_code=discipline)
        except PrescriptionTextError as exc:
            if exc.about_discipline:
                raise serializers.ValidationError({"discipline": f"{exc}; send its code"}) from exc
            raise serializers.ValidationError({field: str(exc)}) from exc
        return Response(
            {"document": parse_result_document(result), "lines": parse_result_lines(result)}
        )


def _pdf_text(value: Any) -> str:
    """The text of a base64-encoded PDF; a precise 400 when it is not one."""
    if not isinstance(value, str):
        raise serializers.ValidationError({"pdf_base64": "must be the PDF, base64-encoded"})
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise serializers.ValidationError({"pdf_base64": "is not valid base64"}) from exc
    if not data.lstrip().startswith(PDF_MAGIC):
        raise serializers.ValidationError({"pdf_base64": "is not a PDF (no %PDF- header)"})
    try:
        return prescription_text_from_file(name="the PDF", data=data)
    except PrescriptionTextError as exc:
        raise serializers.ValidationError({"pdf_base64": str(exc)}) from exc


def _title_and_sharing(document: dict[str, Any]) -> tuple[str, bool]:
    """The two keys the API accepts beside the document's own."""
    errors: dict[str, str] = {}
    title = document.get("title") or ""
    if not isinstance(title, str) or len(title) > 200:
        errors["title"] = "must be text of at most 200 characters"
    share = document.get("share_anonymously", False)
    if not isinstance(share, bool):
        errors["share_anonymously"] = "must be true or false"
    if errors:
        raise serializers.ValidationError(errors)
    return str(title), bool(share)


def _completed(document: dict[str, Any]) -> bool:
    """`"status": "completed"` keeps the prescription as history: saved, never planned (the
    only way to save one whose deadline has passed). Default "active"."""
    value = document.get("status", "active")
    if value not in ("active", "completed"):
        raise serializers.ValidationError(
            {"status": 'must be "active" or "completed" (kept as history, never planned)'}
        )
    return bool(value == "completed")


class PrescriptionDetailApi(ApiView):
    """One of your prescriptions: its document, latest run, and links to bundles, plan,
    the printable PDF and the calendar of due dates."""

    @extend_schema(
        tags=TAG, responses={200: PrescriptionDetailSerializer, 404: error_response(404)}
    )
    def get(self, request: Request, prescription_id: int) -> Response:
        prescription = prescription_get_for_user(user=request.user, prescription_id=prescription_id)
        return Response(prescription_detail_data(request, prescription))


class PrescriptionDeleteApi(ApiView):
    """Delete one of your prescriptions with its runs, bundles and plan."""

    @extend_schema(
        tags=TAG,
        request=None,
        responses={204: OpenApiResponse(description="Deleted."), 404: error_response(404)},
    )
    def post(self, request: Request, prescription_id: int) -> Response:
        prescription = prescription_get_for_user(user=request.user, prescription_id=prescription_id)
        prescription_delete(prescription=prescription)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Plans ----------------------------------------------------------------------------------


def _plan_response(request: Request, prescription: Prescription, code: int = 200) -> Response:
    plan = (
        Plan.objects.select_related("bundle")
        .prefetch_related("items__course__provider")
        .filter(prescription=prescription)
        .first()
    )
    if plan is None:
        return Response(
            {
                "error": {
                    "code": "not_found",
                    "message": "No plan chosen yet: POST a bundle rank to plan/choose/.",
                    "details": [],
                }
            },
            status=status.HTTP_404_NOT_FOUND,
        )
    context = {"request": request, "links": prescription_links(request, prescription)}
    return Response(PlanOutputSerializer(plan, context=context).data, status=code)


class PlanDetailApi(ApiView):
    """Your chosen plan with each course's due date and status."""

    @extend_schema(
        tags=PLAN_TAG,
        responses={
            200: PlanOutputSerializer,
            404: error_response(404, "No such prescription, or no plan chosen yet."),
        },
    )
    def get(self, request: Request, prescription_id: int) -> Response:
        prescription = prescription_get_for_user(user=request.user, prescription_id=prescription_id)
        return _plan_response(request, prescription)


class PlanChooseApi(ApiView):
    """Choose a bundle as your plan (courses already done stay done)."""

    class InputSerializer(serializers.Serializer[Any]):
        rank = serializers.IntegerField(
            min_value=1, max_value=1000, help_text="The bundle's rank in the recommendation."
        )
        run_id = serializers.IntegerField(
            min_value=1,
            max_value=2**62,
            required=False,
            allow_null=True,
            help_text="Default: the latest finished run of this prescription.",
        )

    @extend_schema(
        tags=PLAN_TAG,
        request=InputSerializer,
        responses={200: PlanOutputSerializer, 400: error_response(400), 404: error_response(404)},
        examples=[OpenApiExample("The cheapest bundle", value={"rank": 1}, request_only=True)],
    )
    def post(self, request: Request, prescription_id: int) -> Response:
        prescription = prescription_get_for_user(user=request.user, prescription_id=prescription_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bundle = _bundle_for(prescription, **serializer.validated_data)
        plan_choose(prescription=prescription, bundle=bundle)
        return _plan_response(request, prescription)


def _bundle_for(prescription: Prescription, *, rank: int, run_id: int | None = None) -> Bundle:
    runs = MatchingRun.objects.filter(prescription=prescription, status=MatchingRun.Status.DONE)
    if run_id is not None:
        run = runs.filter(pk=run_id).first()
        if run is None:
            raise serializers.ValidationError(
                {"run_id": f"no finished run {run_id} for this prescription"}
            )
    else:
        run = runs.order_by("-created_at", "-id").first()
        if run is None:
            raise serializers.ValidationError(
                {"rank": "this prescription has no finished run yet; wait for it or recompute"}
            )
    bundle = Bundle.objects.select_related("run").filter(run=run, rank=rank).first()
    if bundle is None:
        raise serializers.ValidationError({"rank": f"run {run.pk} has no bundle {rank}"})
    return bundle


class PlanItemDoneApi(ApiView):
    """Mark a course of your plan done (its credits count; re-planning keeps it)."""

    class InputSerializer(serializers.Serializer[Any]):
        done_on = serializers.DateField(required=False, help_text="Default: today.")

    @extend_schema(
        tags=PLAN_TAG,
        request=InputSerializer,
        responses={
            200: PlanOutputSerializer,
            400: error_response(400),
            404: error_response(404),
            409: error_response(409, "The course is already marked done; undo it first."),
        },
    )
    def post(self, request: Request, prescription_id: int, item_id: int) -> Response:
        prescription = prescription_get_for_user(user=request.user, prescription_id=prescription_id)
        item = plan_item_get_for_prescription(prescription=prescription, item_id=item_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        done_on = serializer.validated_data.get("done_on") or timezone.localdate()
        plan_item_mark_done(item=item, done_on=done_on)
        return _plan_response(request, prescription)


class PlanItemUndoApi(ApiView):
    """Set a course of your plan back to planned."""

    @extend_schema(
        tags=PLAN_TAG,
        request=None,
        responses={200: PlanOutputSerializer, 404: error_response(404)},
    )
    def post(self, request: Request, prescription_id: int, item_id: int) -> Response:
        prescription = prescription_get_for_user(user=request.user, prescription_id=prescription_id)
        item = plan_item_get_for_prescription(prescription=prescription, item_id=item_id)
        plan_item_mark_planned(item=item)
        return _plan_response(request, prescription)


class PlanReplanApi(ApiView):
    """Re-plan the rest: done courses become completed ones, then a new run is computed."""

    @extend_schema(
        tags=PLAN_TAG,
        request=None,
        responses={202: RunOutputSerializer, 404: error_response(404)},
    )
    def post(self, request: Request, prescription_id: int) -> Response:
        prescription = prescription_get_for_user(user=request.user, prescription_id=prescription_id)
        run = plan_replan(prescription=prescription)
        run.refresh_from_db()
        return Response(
            RunOutputSerializer(run, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )
