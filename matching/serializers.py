"""Serializers of the matching API: run status and the `cqr-recommendation/1` document."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from matching.models import BundlePurchase, MatchingRun

AMOUNT_HELP = "Decimal string with two places, e.g. 83.00."


class RunOutputSerializer(serializers.Serializer[Any]):
    """A matching run: poll it until `status` is done or failed, then fetch `bundles_url`."""

    id = serializers.IntegerField()
    prescription_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=MatchingRun.Status.choices)
    progress = serializers.IntegerField(help_text="0–100.")
    progress_message = serializers.CharField()
    outcome = serializers.CharField(
        help_text="optimal | feasible | infeasible once done; empty before."
    )
    error = serializers.CharField(help_text="Why the run failed; empty otherwise.")
    is_stale = serializers.BooleanField(
        help_text="The catalog changed after this run; a newer one will be computed."
    )
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()
    bundles_url = serializers.SerializerMethodField()

    def get_url(self, run: MatchingRun) -> str:
        return self._absolute(reverse("api:run_detail", args=[run.pk]))

    def get_bundles_url(self, run: MatchingRun) -> str:
        return self._absolute(reverse("api:run_bundles", args=[run.pk]))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


# --- `cqr-recommendation/1` (docs/exchange-format.md §3), for the schema -----------------


class PurchaseSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=BundlePurchase.Kind.choices)
    code = serializers.CharField()
    price = serializers.CharField(required=False, help_text=AMOUNT_HELP)


class ScheduleEntrySerializer(serializers.Serializer[Any]):
    course = serializers.CharField()
    complete_by = serializers.DateField()
    start_by = serializers.DateField(required=False)
    finish_by = serializers.DateField(required=False)
    slack_days = serializers.IntegerField(required=False, allow_null=True)


class RecommendedBundleSerializer(serializers.Serializer[Any]):
    rank = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    price = serializers.CharField(help_text=AMOUNT_HELP)
    price_delta = serializers.CharField(required=False, help_text="Price minus bundle 1's.")
    hours = serializers.CharField(help_text=AMOUNT_HELP)
    ce_credits = serializers.CharField(required=False, help_text=AMOUNT_HELP)
    purchases = PurchaseSerializer(many=True)
    courses = serializers.ListField(child=serializers.CharField())
    credits = serializers.DictField(
        child=serializers.CharField(), help_text="Credits per subcategory name (and extras)."
    )
    schedule = ScheduleEntrySerializer(many=True)
    slack_days = serializers.IntegerField(required=False, allow_null=True)


class ShortfallSerializer(serializers.Serializer[Any]):
    category = serializers.CharField()
    required = serializers.CharField(help_text=AMOUNT_HELP)  # type: ignore[assignment]
    available = serializers.CharField(help_text=AMOUNT_HELP)


class ReasonCountSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField()
    courses = serializers.IntegerField()


class ExclusionSerializer(serializers.Serializer[Any]):
    course = serializers.CharField()
    reason = serializers.CharField()


class RecommendationSerializer(serializers.Serializer[Any]):
    """The `cqr-recommendation/1` document exactly as the `recommend --json` command prints
    it: bundle 1 is the cheapest plan."""

    format = serializers.ChoiceField(choices=[("cqr-recommendation/1", "cqr-recommendation/1")])
    status = serializers.ChoiceField(
        choices=[(s, s) for s in ("optimal", "feasible", "infeasible", "error")]
    )
    message = serializers.CharField(required=False, help_text="Only when status is error.")
    reason = serializers.CharField(required=False)
    gap = serializers.FloatField(required=False, allow_null=True)
    bundles = RecommendedBundleSerializer(many=True)
    shortfall = ShortfallSerializer(many=True)
    reasons = ReasonCountSerializer(many=True, required=False)
    exclusions = ExclusionSerializer(many=True, required=False)
