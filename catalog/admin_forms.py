"""The course admin's list filters and its change form: distribution rows with the
subcategory picker grouped by outline, the unsold and expiry checks, provider-scoped choices."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms.models import BaseInlineFormSet, ModelChoiceIterator
from django.http import HttpRequest
from django.utils import timezone

from catalog.forms import TagsField
from catalog.models import (
    Course,
    CreditDistribution,
    Discipline,
    Subcategory,
)
from catalog.rules import course_rule_errors, default_hours
from catalog.selectors import courses_tagged_q, tags_in_use

EXPIRY_WARNING_DAYS = 90


def https_formfield(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """Meta.formfield_callback for admin model forms (URL fields default to https)."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


# --- Course list filters ---------------------------------------------------------------


class DisciplineFilter(admin.SimpleListFilter):
    """Courses with credit distribution rows in a discipline."""

    title = "discipline"
    parameter_name = "discipline"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Iterable[tuple[str, str]]:
        # Only disciplines the user's own courses carry credits in.
        rows = CreditDistribution.objects.filter(
            course__in=model_admin.get_queryset(request),
            subcategory__outline__discipline=OuterRef("pk"),
        )
        disciplines = Discipline.objects.filter(Exists(rows)).order_by("code")
        return [(d.code, str(d)) for d in disciplines]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value():
            return queryset
        rows = CreditDistribution.objects.filter(
            course=OuterRef("pk"), subcategory__outline__discipline__code=self.value()
        )
        return queryset.filter(Exists(rows))


class SubcategoryFilter(admin.SimpleListFilter):
    """Courses with credits in one subcategory; offers those the user's courses use."""

    title = "subcategory"
    parameter_name = "subcategory"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Iterable[tuple[str, str]]:
        rows = CreditDistribution.objects.filter(
            course__in=model_admin.get_queryset(request), subcategory=OuterRef("pk")
        )
        subs = Subcategory.objects.filter(Exists(rows)).select_related("outline__discipline")
        discipline = request.GET.get(DisciplineFilter.parameter_name)
        if discipline:
            subs = subs.filter(outline__discipline__code=discipline)
        subs = subs.order_by("outline__discipline__code", "major__position", "position")
        return [(str(s.pk), f"{s.outline.discipline.code}: {s.name}") for s in subs]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value or not value.isdigit():
            return queryset
        rows = CreditDistribution.objects.filter(course=OuterRef("pk"), subcategory_id=int(value))
        return queryset.filter(Exists(rows))


class ApprovalExpiryFilter(admin.SimpleListFilter):
    title = "approval expiry"
    parameter_name = "approval"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Iterable[tuple[str, str]]:
        return [
            ("soon", f"Expiring within {EXPIRY_WARNING_DAYS} days"),
            ("expired", "Already expired"),
            ("none", "No expiry date"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        if self.value() == "soon":
            horizon = today + timedelta(days=EXPIRY_WARNING_DAYS)
            return queryset.filter(approval_expires__gte=today, approval_expires__lte=horizon)
        if self.value() == "expired":
            return queryset.filter(approval_expires__lt=today)
        if self.value() == "none":
            return queryset.filter(approval_expires__isnull=True)
        return queryset


class TagFilter(admin.SimpleListFilter):
    title = "tag"
    parameter_name = "tag"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Iterable[tuple[str, str]]:
        return [(tag, tag) for tag in tags_in_use(model_admin.get_queryset(request))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(courses_tagged_q([value])) if value else queryset


# --- Course change form ----------------------------------------------------------------


class GroupedSubcategoryIterator(ModelChoiceIterator):
    """Subcategory choices in <optgroup>s per discipline ("CT – Computed Tomography")."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list[Any]] = {}
        for sub in self.queryset:
            groups.setdefault(str(sub.outline.discipline), []).append(self.choice(sub))
        yield from groups.items()


class GroupedSubcategoryField(forms.ModelChoiceField):
    iterator = GroupedSubcategoryIterator

    def label_from_instance(self, obj: Any) -> str:
        # The discipline code too: a closed <select> does not show its optgroup.
        return f"{obj.outline.discipline.code} · {obj.major.name}: {obj.name}"


def _subcategory_picker_queryset() -> QuerySet[Subcategory]:
    return (
        Subcategory.objects.filter(outline__is_current=True)
        .select_related("outline__discipline", "major")
        .order_by("outline__discipline__code", "major__position", "position", "name")
    )


class DistributionForm(forms.ModelForm):
    class Meta:
        model = CreditDistribution
        fields = ["subcategory", "credits"]
        labels = {"credits": "CQR credits"}

    def clean_credits(self) -> Decimal | None:
        credits: Decimal | None = self.cleaned_data.get("credits")
        if credits is not None and credits <= 0:
            raise ValidationError("CQR credits must be greater than 0.")
        return credits


def label_inline_row(form: Any, index: int | None) -> None:
    """Name each field of a tabular inline row for assistive technology: the admin prints
    the field labels only once, as column headings ("CQR credits, row 2")."""
    row = f"row {index + 1}" if index is not None else "new row"
    for field in form.fields.values():
        if field.widget.is_hidden:
            continue
        widget = getattr(field.widget, "widget", field.widget)  # RelatedFieldWidgetWrapper
        widget.attrs["aria-label"] = f"{field.label or 'Delete'}, {row}"


def row_is_deleted(formset: Any, form: Any) -> bool:
    """Whether the row is marked for deletion in a formset that allows deleting."""
    return bool(formset.can_delete and form.cleaned_data.get("DELETE"))


class DistributionFormSet(BaseInlineFormSet):
    """Checks the course's distribution as a whole with the shared course rules."""

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        label_inline_row(form, index)
        field = form.fields.get("subcategory")
        current = getattr(form.instance, "subcategory_id", None)
        # Keep rows that name an older outline version editable (the inline's queryset
        # selects subcategory__outline, so this costs no query).
        if (
            field is not None
            and current is not None
            and not form.instance.subcategory.outline.is_current
        ):
            field.queryset = (
                Subcategory.objects.filter(Q(outline__is_current=True) | Q(pk=current))
                .select_related("outline__discipline", "major")
                .order_by("outline__discipline__code", "major__position", "position")
            )

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        course: Course = self.instance
        if course.ce_credits is None or not course.format:
            return  # the course form itself reports the missing values
        rows: list[tuple[str, Decimal]] = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or row_is_deleted(self, form):
                continue
            sub = form.cleaned_data.get("subcategory")
            credits = form.cleaned_data.get("credits")
            if sub is not None and credits is not None:
                code = sub.outline.discipline.code
                # One tagging per outline version (as the catalog import groups them).
                group = code if sub.outline.is_current else f"{code} {sub.outline.version}"
                rows.append((group, credits))
        errors = course_rule_errors(
            format=course.format,
            price=course.price,
            ce_credits=course.ce_credits,
            event_date=course.event_date,
            distribution=rows,
        )
        if "distribution" in errors:
            raise ValidationError(
                f"Course {course.code or '(new)'}, credit distribution: {errors['distribution']}."
            )


class DistributionInline(admin.TabularInline):
    model = CreditDistribution
    form = DistributionForm
    formset = DistributionFormSet
    extra = 1

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("subcategory__outline")

    verbose_name = "CQR credit distribution row"
    verbose_name_plural = (
        "CQR credit distribution (per discipline, the rows sum to at most the CE credits)"
    )

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "subcategory":
            return GroupedSubcategoryField(
                queryset=_subcategory_picker_queryset(),
                label="Subcategory",
                help_text="Subcategories of each discipline's current content outline.",
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ProviderRecordAdminForm(forms.ModelForm):
    """What the course and package forms share: a price is never negative, and a saved
    record stays with its provider (the error names the record)."""

    def clean_price(self) -> Decimal | None:
        value: Decimal | None = self.cleaned_data.get("price")
        if value is not None and value < 0:
            raise ValidationError("The price cannot be negative.")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        provider = cleaned.get("provider")
        if self.instance.pk and provider is not None and provider.pk != self.instance.provider_id:
            noun = self._meta.model._meta.verbose_name
            self.add_error(
                "provider",
                f"{noun.capitalize()} {self.instance.code} belongs to {self.instance.provider}; "
                f"a {noun} cannot be moved to another provider.",
            )
        return cleaned


class CourseAdminForm(ProviderRecordAdminForm):
    class Meta:
        model = Course
        formfield_callback = https_formfield
        fields = [
            "provider",
            "code",
            "title",
            "format",
            "url",
            "arrt_activity_id",
            "ce_credits",
            "hours",
            "price",
            "cqr_eligible",
            "approval_expires",
            "event_date",
            "is_active",
            "tags",
        ]
        field_classes = {"tags": TagsField}
        labels = {"url": "Course page URL"}
        help_texts = {
            "provider": "Set when the course is created; a course cannot move to another provider.",
            "code": "Unique within the provider's catalog; imports use it to update the course.",
            "price": (
                "Leave empty for a course sold only inside packages (while no package "
                "includes it, the planner never buys it)."
            ),
            "hours": "Study time. Leave empty for CE credits × 50 minutes.",
            "approval_expires": "The last day on which the course can be completed for credit.",
            "event_date": "Webinars and live events only: the one day they can be taken.",
            "ce_credits": "Awarded by the approver; the CQR distribution below may be smaller.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "hours" in self.fields:
            self.fields["hours"].required = False
        if "provider" in self.fields:
            # Blank in the model only for technologists' own courses, never listed here.
            self.fields["provider"].required = True

    def clean_ce_credits(self) -> Decimal | None:
        value: Decimal | None = self.cleaned_data.get("ce_credits")
        if value is not None and value <= 0:
            raise ValidationError("CE credits must be greater than 0.")
        return value

    def clean_hours(self) -> Decimal | None:
        value: Decimal | None = self.cleaned_data.get("hours")
        if value is not None and value < 0:
            raise ValidationError("Hours cannot be negative.")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        ce_credits = cleaned.get("ce_credits")
        if cleaned.get("hours") is None and ce_credits is not None and ce_credits > 0:
            cleaned["hours"] = default_hours(ce_credits)
        course_format = cleaned.get("format")
        if course_format and ce_credits is not None:
            errors = course_rule_errors(
                format=course_format,
                price=cleaned.get("price"),
                ce_credits=ce_credits,
                event_date=cleaned.get("event_date"),
                distribution=(),  # checked with the inline rows by DistributionFormSet
            )
            code = cleaned.get("code") or self.instance.code or "(new)"
            if "event_date" in errors:
                self.add_error("event_date", f"Course {code}: {errors['event_date']}.")
        return cleaned
