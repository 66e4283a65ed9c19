"""Site staff maintain ARRT content outlines in the admin, without code: a version's
dates, source and confirmation, its major categories, subcategories, aliases, and the
mappings from the previous version's subcategories. Saving one recomputes which version is
current and re-plans the prescriptions of that discipline (`outline_record_edit`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Model, Prefetch, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from catalog.models import (
    Discipline,
    MajorCategory,
    OutlineVersion,
    Subcategory,
    SubcategoryAlias,
    SubcategoryMapping,
)
from catalog.outline_dates import in_sequence
from catalog.services import outline_record_edit


def previous_version(outline: OutlineVersion | None) -> OutlineVersion | None:
    """The version before `outline` in its discipline's order (`catalog.outline_dates`)."""
    if outline is None or outline.pk is None:
        return None
    versions = in_sequence(OutlineVersion.objects.filter(discipline_id=outline.discipline_id))
    position = [v.pk for v in versions].index(outline.pk)
    return versions[position - 1] if position > 0 else None


def _status(outline: OutlineVersion) -> str:
    return "confirmed by ARRT" if outline.confirmed else "unconfirmed"


class OutlineVersionInline(admin.TabularInline):
    model = OutlineVersion
    fields = ["version", "effective_from", "effective_until", "is_current", "confirmed", "source"]
    readonly_fields = ["is_current"]
    extra = 0
    show_change_link = True


@admin.register(Discipline)
class DisciplineAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "current_outline"]
    search_fields = ["code", "name"]
    inlines = [OutlineVersionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        current = OutlineVersion.objects.filter(is_current=True)
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("outlines", queryset=current, to_attr="current_outlines"))
        )

    @admin.display(description="current outline")
    def current_outline(self, obj: Any) -> str:
        outlines = getattr(obj, "current_outlines", [])
        if not outlines:
            return "—"
        return f"{outlines[0].version} ({_status(outlines[0])})"

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for version_form in formset.forms:
            instance = version_form.instance
            if isinstance(instance, OutlineVersion) and instance.pk is None:
                instance.is_current = False  # refreshed from the dates once saved
        super().save_formset(request, form, formset, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        outline = OutlineVersion.objects.filter(discipline=form.instance).first()
        if outline is not None:
            outline_record_edit(outline=outline, reason=f"admin: outlines of {form.instance.code}")


class MajorCategoryInline(admin.TabularInline):
    model = MajorCategory
    fields = ["name", "position"]
    extra = 0


class _OutlineChildInline(admin.TabularInline):
    """Inlines whose foreign keys must stay within the outline being edited."""

    limit_fields: dict[str, type[Model]] = {}

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        for name, model in self.limit_fields.items():
            field = formset.form.base_fields.get(name)
            if field is not None:
                field.queryset = (  # type: ignore[attr-defined]
                    model._default_manager.filter(outline=obj)
                    if obj
                    else model._default_manager.none()
                )
        return formset


class SubcategoryInline(_OutlineChildInline):
    model = Subcategory
    fk_name = "outline"
    fields = ["major", "name", "position"]
    extra = 0
    limit_fields = {"major": MajorCategory}
    verbose_name_plural = "subcategories (save new major categories first, then add theirs)"


class SubcategoryAliasInline(_OutlineChildInline):
    model = SubcategoryAlias
    fk_name = "outline"
    fields = ["alias", "subcategory"]
    extra = 0
    limit_fields = {"subcategory": Subcategory}
    verbose_name_plural = "aliases (older wordings that still resolve to a subcategory)"


class MappingFormSet(BaseInlineFormSet):
    """Each row maps a subcategory of the previous version to one of this version."""

    def clean(self) -> None:
        super().clean()
        outline: OutlineVersion = self.instance
        previous = previous_version(outline)
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            source, target = data.get("from_subcategory"), data.get("to_subcategory")
            if source is not None and (previous is None or source.outline_id != previous.pk):
                where = f'version "{previous.version}"' if previous else "none (this is the first)"
                raise ValidationError(
                    f"Outline {outline.discipline.code} {outline.version}, mappings: "
                    f'"{source.name}" is not a subcategory of the previous version ({where}).'
                )
            if target is not None and target.outline_id != outline.pk:
                raise ValidationError(
                    f"Outline {outline.discipline.code} {outline.version}, mappings: "
                    f'"{target.name}" is not a subcategory of this version.'
                )


class SubcategoryMappingInline(admin.TabularInline):
    model = SubcategoryMapping
    formset = MappingFormSet
    fk_name = "outline"
    fields = ["from_subcategory", "to_subcategory"]
    extra = 0
    verbose_name = "mapping from the previous version"
    verbose_name_plural = (
        "mappings from the previous version (old subcategory → new; several rows from one "
        "old subcategory split it, several into one new subcategory merge them)"
    )

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        previous = previous_version(obj)
        fields = formset.form.base_fields
        fields["from_subcategory"].queryset = (  # type: ignore[attr-defined]
            Subcategory.objects.filter(outline=previous) if previous else Subcategory.objects.none()
        )
        fields["to_subcategory"].queryset = (  # type: ignore[attr-defined]
            Subcategory.objects.filter(outline=obj) if obj else Subcategory.objects.none()
        )
        return formset


class OutlineVersionForm(forms.ModelForm):
    class Meta:
        model = OutlineVersion
        fields = [
            "discipline",
            "version",
            "effective_from",
            "effective_until",
            "source",
            "confirmed",
            "note",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("effective_from"), cleaned.get("effective_until")
        if starts and ends and ends < starts:
            self.add_error(
                "effective_until",
                f"The last day in force ({ends}) is before the first ({starts}).",
            )
        return cleaned


@admin.register(OutlineVersion)
class OutlineVersionAdmin(admin.ModelAdmin):
    form = OutlineVersionForm
    list_display = [
        "discipline",
        "version",
        "effective_from",
        "effective_until",
        "is_current",
        "confirmed",
        "subcategory_count",
    ]
    list_filter = ["is_current", "confirmed", "discipline"]
    search_fields = ["discipline__code", "discipline__name", "version"]
    list_select_related = ["discipline"]
    readonly_fields = ["is_current", "previous_version_display", "adopted_at"]
    fieldsets = [
        (None, {"fields": ["discipline", "version", "source", "confirmed", "note"]}),
        (
            "In force",
            {
                "fields": [
                    "effective_from",
                    "effective_until",
                    "is_current",
                    "previous_version_display",
                    "adopted_at",
                ],
                "description": (
                    "A prescription is read against the version in force on its issue date; "
                    "the current version is the one in force today. Empty dates: an undated "
                    "version, in force until a dated one starts."
                ),
            },
        ),
    ]
    inlines = [
        MajorCategoryInline,
        SubcategoryInline,
        SubcategoryAliasInline,
        SubcategoryMappingInline,
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).annotate(sub_total=Count("subcategories"))

    @admin.display(description="subcategories", ordering="sub_total")
    def subcategory_count(self, obj: Any) -> int:
        return int(getattr(obj, "sub_total", 0))

    @admin.display(description="previous version")
    def previous_version_display(self, obj: OutlineVersion) -> str:
        previous = previous_version(obj)
        return previous.version if previous else "—"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.is_current = False  # refreshed from the dates once saved
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        outline: OutlineVersion = form.instance
        verb = "changed" if change else "added"
        outline_record_edit(
            outline=outline,
            reason=f"admin: {verb} outline {outline.discipline.code} {outline.version}",
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        discipline = obj.discipline
        super().delete_model(request, obj)
        remaining = OutlineVersion.objects.filter(discipline=discipline).first()
        if remaining is not None:
            outline_record_edit(
                outline=remaining, reason=f"admin: deleted outline {discipline.code} {obj.version}"
            )


@admin.register(Subcategory)
class SubcategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "major", "discipline_code", "outline_version", "is_current"]
    list_filter = ["outline__discipline", "outline__is_current"]
    search_fields = ["name", "aliases__alias"]
    list_select_related = ["major", "outline__discipline"]
    fields = ["outline", "major", "name", "position"]

    @admin.display(description="discipline", ordering="outline__discipline__code")
    def discipline_code(self, obj: Subcategory) -> str:
        return obj.outline.discipline.code

    @admin.display(description="outline version", ordering="outline__version")
    def outline_version(self, obj: Subcategory) -> str:
        return obj.outline.version

    @admin.display(description="current", boolean=True)
    def is_current(self, obj: Subcategory) -> bool:
        return obj.outline.is_current
