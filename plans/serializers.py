"""Serializers of the prescriptions API: the `cqr-prescription/1` document, prescriptions
with their links, and plans."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from catalog.models import CourseFormat
from core.api import AmountField
from matching.serializers import RunOutputSerializer
from plans.models import Plan, PlanItem
from prescriptions.documents import PRESCRIPTION_FORMAT
from prescriptions.models import ExtraRequirement, Prescription

# --- `cqr-prescription/1` (docs/exchange-format.md §2 and §6) ---------------------------


class RequiredCreditSerializer(serializers.Serializer[Any]):
    category = serializers.CharField(help_text="Subcategory name of the discipline's outline.")
    credits = AmountField()


class ExtraRequirementSerializer(serializers.Serializer[Any]):
    """An obligation planned together with the prescription (contract §6)."""

    kind = serializers.ChoiceField(
        choices=ExtraRequirement.Kind.choices,
        help_text="`total_ce`: the CE credits of the plan's courses and the completed ones "
        "reach `credits` (biennial CE); `total_discipline`: their distribution credits in "
        "the discipline, all subcategories together, reach `credits` (structured education: "
        "16); `major_minimum`: at least `credits` in every major category of the "
        "discipline's current outline (structured education: 1); `tag_minimum`: the CE "
        "credits of courses carrying one of `tags` reach `credits` (e.g. a state "
        "licence's HIV/AIDS hour).",
    )
    credits = AmountField(help_text="A positive number, at most 2 decimal places.")
    deadline = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Its own deadline (default: the prescription's); a course counts toward "
        "it only when completed by then.",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        help_text="tag_minimum only: the course tags that count (e.g. hiv-aids).",
    )

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # "label" is also an attribute of every DRF field, so it is declared here.
        fields = super().get_fields()
        fields["label"] = serializers.CharField(
            required=False,
            max_length=120,
            help_text="Names it in pages, PDFs, the shortfall and the bundle credits "
            "(default: its kind).",
        )
        return fields


class PrescriptionDocumentSerializer(serializers.Serializer[Any]):
    """A `cqr-prescription/1` document. Validated as a whole by the prescription reader:
    every mistake is reported with its field (e.g. `required[1].category`)."""

    format = serializers.ChoiceField(choices=[(PRESCRIPTION_FORMAT, PRESCRIPTION_FORMAT)])
    kind = serializers.ChoiceField(
        choices=Prescription.Kind.choices,
        required=False,
        help_text="The obligation: `cqr` (default) or `structured-education`. It names the "
        "obligation in pages and PDFs and changes no rule by itself.",
    )
    discipline = serializers.CharField(help_text="Discipline code, e.g. CT.")
    issued_on = serializers.DateField()
    deadline = serializers.DateField()
    as_of = serializers.DateField(
        required=False, allow_null=True, help_text="Planning date; default: today."
    )
    required = RequiredCreditSerializer(  # type: ignore[assignment]
        many=True,
        required=False,
        help_text="Credits per subcategory; may be empty when `extra` is given.",
    )
    extra = ExtraRequirementSerializer(
        many=True,
        required=False,
        help_text="Extra requirements planned in the same plan: biennial CE, structured "
        "education. They share the deadline and every rule of the prescription.",
    )
    biennium_ends_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="With a `total_ce` extra: the last day of the CE biennium. When it comes "
        "before `deadline`, every course of the plan is due by it.",
    )
    completed = serializers.ListField(child=serializers.CharField(), required=False)
    owned = serializers.ListField(child=serializers.CharField(), required=False)
    hours_per_week = AmountField(required=False, allow_null=True)
    formats = serializers.ListField(
        child=serializers.ChoiceField(choices=CourseFormat.choices), required=False
    )
    exclude_providers = serializers.ListField(child=serializers.CharField(), required=False)


class PrescriptionCreateInputSerializer(PrescriptionDocumentSerializer):
    title = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Your name for it."
    )
    share_anonymously = serializers.BooleanField(
        required=False,
        help_text="Let providers see this demand without anything that identifies you.",
    )
    status = serializers.ChoiceField(
        choices=Prescription.Status.choices,
        required=False,
        help_text="completed: kept as history, never planned (the only way to save a "
        "prescription whose deadline has passed). Default active.",
    )


# --- Output -------------------------------------------------------------------------------


_PLANNED_ONLY = " Absent for a prescription kept as history (completed), which is never planned."


class PrescriptionLinksSerializer(serializers.Serializer[Any]):
    self = serializers.CharField()
    web = serializers.CharField(help_text="The prescription's page.")
    bundles = serializers.CharField(
        required=False, help_text="The latest run's cqr-recommendation/1." + _PLANNED_ONLY
    )
    recompute = serializers.CharField(required=False, help_text="A new run." + _PLANNED_ONLY)
    plan = serializers.CharField(required=False, help_text="The chosen plan." + _PLANNED_ONLY)
    plan_pdf = serializers.CharField(
        required=False, help_text="The printable CE plan (PDF)." + _PLANNED_ONLY
    )
    plan_calendar = serializers.CharField(
        required=False, help_text="The plan's due dates (iCalendar)." + _PLANNED_ONLY
    )


class PrescriptionSummarySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Prescription.Kind.choices)
    discipline = serializers.CharField(source="outline.discipline.code")
    issued_on = serializers.DateField()
    deadline = serializers.DateField()
    as_of = serializers.DateField(allow_null=True, help_text="Null: plans from each run's today.")
    status = serializers.ChoiceField(
        choices=Prescription.Status.choices, help_text="completed: history, never planned."
    )
    created_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_url(self, prescription: Prescription) -> str:
        path = reverse("api:prescription_detail", args=[prescription.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class PrescriptionListItemSerializer(PrescriptionSummarySerializer):
    run_status = serializers.CharField(allow_null=True, help_text="The latest run's status.")
    run_outcome = serializers.CharField(allow_null=True)


class PrescriptionDetailSerializer(PrescriptionSummarySerializer):
    """Built by the API from the summary plus the fields below (schema and docs)."""

    document = PrescriptionDocumentSerializer(
        allow_null=True, help_text="The prescription as a cqr-prescription/1 document."
    )
    latest_run = RunOutputSerializer(allow_null=True)
    has_plan = serializers.BooleanField()
    links = PrescriptionLinksSerializer()


class PlanItemOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    course = serializers.CharField(source="course.code")
    title = serializers.CharField(source="course.title")
    provider = serializers.CharField(
        source="course.provider_code_label",
        help_text='The provider code; "(added by you)" for a course you added yourself.',
    )
    provider_name = serializers.CharField(source="course.provider_label")
    format = serializers.CharField(source="course.format")
    url = serializers.CharField(source="course.url")
    added_by_you = serializers.BooleanField(
        source="course.is_private", help_text="A course you added yourself (not in the catalog)."
    )
    complete_by = serializers.DateField()
    status = serializers.ChoiceField(choices=PlanItem.Status.choices)
    done_on = serializers.DateField(allow_null=True)


class PlanOutputSerializer(serializers.Serializer[Any]):
    """The chosen plan; `pdf` and `calendar` are links to the printable plan and due dates."""

    prescription_id = serializers.IntegerField()
    run_id = serializers.IntegerField(allow_null=True, source="bundle.run_id", default=None)
    rank = serializers.IntegerField(allow_null=True, source="bundle.rank", default=None)
    label = serializers.CharField(  # type: ignore[assignment]
        allow_null=True, source="bundle.label", default=None
    )
    price = serializers.DecimalField(max_digits=9, decimal_places=2)
    items = PlanItemOutputSerializer(many=True, source="items.all")
    pdf = serializers.SerializerMethodField()
    calendar = serializers.SerializerMethodField()

    def get_pdf(self, plan: Plan) -> str:
        return str(self.context["links"]["plan_pdf"])

    def get_calendar(self, plan: Plan) -> str:
        return str(self.context["links"]["plan_calendar"])
