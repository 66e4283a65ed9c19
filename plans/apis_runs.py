"""Runs API: start a run (recompute), poll its status, fetch its bundles as the
`cqr-recommendation/1` document (moved here from matching: it recomputes through
plans.services)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ApiView, Conflict, error_response
from matching.models import MatchingRun
from matching.selectors import run_get_for_user, run_latest_for_prescription
from matching.serializers import RecommendationSerializer, RunOutputSerializer
from matching.services.documents import recommendation_error_document
from plans.selectors.access import prescription_get_for_user
from plans.services import prescription_recompute

TAG = ["runs and bundles"]
NOT_FINISHED = "The run has not finished yet: poll the run until its status is done or failed."


def recommendation_for_run(run: MatchingRun | None) -> dict[str, Any]:
    """The run's `cqr-recommendation/1` document; Conflict (409) while it is computing."""
    if run is None:
        raise Conflict("This prescription has no run yet: POST to its recompute link.")
    if run.status == MatchingRun.Status.FAILED:
        return recommendation_error_document(run.error or "the computation failed")
    if run.status != MatchingRun.Status.DONE or not run.result:
        raise Conflict(NOT_FINISHED)
    return dict(run.result)


BUNDLE_RESPONSES = {
    200: RecommendationSerializer,
    404: error_response(404),
    409: error_response(409, "The run is still queued or running: poll it, then retry."),
}


class RunCreateApi(ApiView):
    """Recompute: start a new matching run for your prescription as it is now."""

    @extend_schema(
        tags=TAG, request=None, responses={202: RunOutputSerializer, 404: error_response(404)}
    )
    def post(self, request: Request, prescription_id: int) -> Response:
        prescription = prescription_get_for_user(user=request.user, prescription_id=prescription_id)
        run = prescription_recompute(prescription=prescription)
        run.refresh_from_db()  # an eager (brokerless) setup has already computed it
        return Response(
            RunOutputSerializer(run, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )


class RunDetailApi(ApiView):
    """A run's status and progress."""

    @extend_schema(tags=TAG, responses={200: RunOutputSerializer, 404: error_response(404)})
    def get(self, request: Request, run_id: int) -> Response:
        run = run_get_for_user(user=request.user, run_id=run_id)
        return Response(RunOutputSerializer(run, context={"request": request}).data)


class RunBundlesApi(ApiView):
    """The bundles of one run, as the `cqr-recommendation/1` document."""

    @extend_schema(tags=TAG, responses=BUNDLE_RESPONSES)
    def get(self, request: Request, run_id: int) -> Response:
        run = run_get_for_user(user=request.user, run_id=run_id)
        return Response(recommendation_for_run(run))


class PrescriptionBundlesApi(ApiView):
    """The bundles of your prescription's latest run, as `cqr-recommendation/1`."""

    @extend_schema(tags=TAG, responses=BUNDLE_RESPONSES)
    def get(self, request: Request, prescription_id: int) -> Response:
        prescription = prescription_get_for_user(user=request.user, prescription_id=prescription_id)
        return Response(recommendation_for_run(run_latest_for_prescription(prescription)))
