"""Catalog admin: provider staff manage their own courses and packages; site staff the rest.

Provider staff are non-superusers with `is_staff` and a ProviderMembership (and the
"Provider staff" group's model permissions). Every course/package query goes through
`_scope`, so another provider's objects are invisible in lists, and their change, delete
and history URLs answer like a missing object. Superusers see everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Model, Prefetch, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from catalog import admin_outlines  # noqa: F401  (registers the outline admin)
from catalog.admin_csv_jobs import BackgroundCsvImportMixin
from catalog.admin_forms import (
    ApprovalExpiryFilter,
    CourseAdminForm,
    DisciplineFilter,
    DistributionInline,
    ProviderRecordAdminForm,
    SubcategoryFilter,
    TagFilter,
    label_inline_row,
    row_is_deleted,
)
from catalog.models import (
    CatalogRevision,
    Course,
    CreditDistribution,
    Package,
    PackageItem,
    Provider,
    ProviderMembership,
)
from catalog.resources import CourseImportExportMixin
from catalog.rules import course_rule_warnings
from catalog.selectors import provider_ids_for_staff
from catalog.services import catalog_record_change, staff_grant_catalog_permissions
from core.money import format_amount

admin.site.site_header = "CQR Planner administration"
admin.site.site_title = "CQR Planner admin"
admin.site.index_title = "Catalog and site administration"

M = TypeVar("M", bound=Model)

# Django 6 makes https the default scheme for URL fields; opt in now (and silence the warning).
URL_FIELD_OVERRIDES: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.URLField: {"widget": AdminURLFieldWidget, "assume_scheme": "https"},
}


# --- Provider scoping ------------------------------------------------------------------


def staff_provider_ids(request: HttpRequest) -> frozenset[int]:
    """IDs of the providers the requesting user is staff of (cached on the request)."""
    cached: frozenset[int] | None = getattr(request, "_cqr_provider_ids", None)
    if cached is None:
        cached = provider_ids_for_staff(user=request.user)
        request._cqr_provider_ids = cached  # type: ignore[attr-defined]
    return cached


def _is_superuser(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_superuser", False))


def _scope(request: HttpRequest, queryset: QuerySet[M], field: str = "provider_id") -> QuerySet[M]:
    """The part of `queryset` the user may manage: all for superusers, else their providers'."""
    if _is_superuser(request):
        return queryset
    return queryset.filter(**{f"{field}__in": staff_provider_ids(request)})


def _owns(request: HttpRequest, obj: Course | Package | None) -> bool:
    return obj is None or _is_superuser(request) or obj.provider_id in staff_provider_ids(request)


class ProviderScopedAdmin(admin.ModelAdmin):
    """Courses and packages: lists, lookups, permissions and the provider picker are scoped."""

    formfield_overrides = URL_FIELD_OVERRIDES

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return _scope(request, super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        allowed = super().has_add_permission(request)
        return allowed and (_is_superuser(request) or bool(staff_provider_ids(request)))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and _owns(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _owns(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and _owns(request, obj)

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))
        if _is_superuser(request) or len(staff_provider_ids(request)) > 1:
            filters.append("provider")
        return filters

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "provider":
            providers = _scope(request, Provider.objects.all(), field="id")
            kwargs["queryset"] = providers
            if not _is_superuser(request) and len(staff_provider_ids(request)) == 1:
                kwargs["empty_label"] = None  # the staff member's only provider, preselected
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = dict(super().get_changeform_initial_data(request))
        ids = staff_provider_ids(request)
        if len(ids) == 1 and "provider" not in initial:
            initial["provider"] = next(iter(ids))
        return initial

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The form already limits the choices; this guards against any other path.
        if not _owns(request, obj):
            raise PermissionDenied("You can only manage your own provider's catalog.")
        super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        provider = obj.provider
        super().delete_model(request, obj)
        catalog_record_change(providers=[provider], reason=f"admin: deleted {obj.code}")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        providers = list(Provider.objects.filter(id__in=queryset.values("provider_id")))
        codes = sorted(queryset.values_list("code", flat=True))
        super().delete_queryset(request, queryset)
        reason = f"admin: deleted {', '.join(codes)}"[:200]
        catalog_record_change(providers=providers, reason=reason)


@admin.register(Course)
class CourseAdmin(BackgroundCsvImportMixin, CourseImportExportMixin, ProviderScopedAdmin):
    form = CourseAdminForm
    inlines = [DistributionInline]
    list_display = [
        "code",
        "title",
        "provider",
        "format",
        "price_display",
        "ce_credits",
        "distribution_total",
        "approval_expires",
        "is_active",
    ]
    list_display_links = ["code", "title"]
    list_filter = [
        DisciplineFilter,
        SubcategoryFilter,
        "format",
        ApprovalExpiryFilter,
        TagFilter,
        "is_active",
    ]
    search_fields = ["code", "title", "arrt_activity_id"]
    list_select_related = ["provider"]
    list_per_page = 50
    readonly_fields = ["packages_display"]
    fieldsets = [
        (None, {"fields": ["provider", "code", "title", "format", "url", "arrt_activity_id"]}),
        ("Credits and price", {"fields": ["ce_credits", "hours", "price", "cqr_eligible"]}),
        ("Dates", {"fields": ["approval_expires", "event_date"]}),
        ("Tags", {"fields": ["tags"]}),
        ("Status", {"fields": ["is_active", "packages_display"]}),
    ]

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = list(super().get_list_display(request))
        if not _is_superuser(request) and len(staff_provider_ids(request)) == 1:
            columns.remove("provider")  # always their own provider
        return columns

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = CreditDistribution.objects.select_related("subcategory__outline__discipline")
        # Catalog courses only: a technologist's own course is theirs alone, not even
        # site staff edit it here (the model's default manager includes it).
        return (
            super()
            .get_queryset(request)
            .filter(owner__isnull=True)
            .prefetch_related(Prefetch("distribution", queryset=rows))
        )

    @admin.display(description="price", ordering="price")
    def price_display(self, obj: Course) -> str:
        return "package only" if obj.price is None else format_amount(obj.price)

    @admin.display(description="CQR distribution")
    def distribution_total(self, obj: Course) -> str:
        """Distribution credits per discipline, e.g. "CT 1.50; R 0.50"."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for row in obj.distribution.all():
            totals[row.subcategory.outline.discipline.code] += row.credits
        return "; ".join(f"{code} {format_amount(v)}" for code, v in sorted(totals.items())) or "—"

    @admin.display(description="in packages")
    def packages_display(self, obj: Course) -> str:
        if not obj.pk:
            return "—"
        return ", ".join(f"{p.title} ({p.code})" for p in obj.packages.all()) or "—"

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        course: Course = form.instance
        verb = "changed" if change else "added"
        assert course.provider is not None  # the admin lists catalog courses only
        catalog_record_change(
            providers=[course.provider],
            reason=f"admin: {verb} {course.code}",
            course_ids=[course.pk],
        )
        _warn_unsold(request, [course])


def _warn_unsold(request: HttpRequest, courses: Iterable[Course]) -> None:
    """A warning (not an error) per package-only course that no package includes now."""
    for course in courses:
        sold = course.package_items.exists()
        for message in course_rule_warnings(price=course.price, sold_in_package=sold).values():
            messages.warning(request, f"Course {course.code}: {message}.")


# --- Packages --------------------------------------------------------------------------


class PackageItemFormSet(BaseInlineFormSet):
    """Members must belong to the package's provider (removing a package-only course from
    its last package is allowed: the admin warns that the planner cannot buy it now)."""

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        label_inline_row(form, index)

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        package: Package = self.instance
        for form in self.forms:
            if not hasattr(form, "cleaned_data"):
                continue
            course = form.cleaned_data.get("course")
            if course is None:
                continue
            if (
                not row_is_deleted(self, form)
                and package.provider_id is not None
                and course.provider_id != package.provider_id
            ):
                raise ValidationError(
                    f"Package {package.code or '(new)'}, courses: {course.code} belongs to "
                    f"{course.provider}, not to the package's provider."
                )


class PackageItemInline(admin.TabularInline):
    model = PackageItem
    formset = PackageItemFormSet
    extra = 3
    verbose_name = "member course"
    verbose_name_plural = "member courses"

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "course":
            kwargs["queryset"] = _scope(
                request, Course.objects.select_related("provider").order_by("provider", "code")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PackageAdminForm(ProviderRecordAdminForm):
    class Meta:
        model = Package
        fields = ["provider", "code", "title", "price", "is_active"]


@admin.register(Package)
class PackageAdmin(ProviderScopedAdmin):
    form = PackageAdminForm
    inlines = [PackageItemInline]
    list_display = ["code", "title", "provider", "price", "course_count", "is_active"]
    list_display_links = ["code", "title"]
    list_filter = ["is_active"]
    search_fields = ["code", "title"]
    list_select_related = ["provider"]
    fields = ["provider", "code", "title", "price", "is_active"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).annotate(course_total=Count("items"))

    @admin.display(description="courses", ordering="course_total")
    def course_count(self, obj: Any) -> int:
        return int(getattr(obj, "course_total", 0))

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        form.base_fields["price"].help_text = "The price of the whole package."
        return form

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        package: Package = form.instance
        verb = "changed" if change else "added"
        catalog_record_change(
            providers=[package.provider],
            reason=f"admin: {verb} package {package.code}",
            package_ids=[package.pk],
        )
        removed = [
            item.course for formset in formsets for item in getattr(formset, "deleted_objects", ())
        ]
        _warn_unsold(request, [c for c in removed if isinstance(c, Course)])


# --- Providers, memberships (site staff); outlines are in catalog/admin_outlines.py --------


class MembershipInline(admin.TabularInline):
    model = ProviderMembership
    fields = ["user", "role"]
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = ["code", "name", "url", "course_count"]
    search_fields = ["code", "name"]
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).annotate(course_total=Count("courses"))

    @admin.display(description="courses", ordering="course_total")
    def course_count(self, obj: Any) -> int:
        return int(getattr(obj, "course_total", 0))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is ProviderMembership:
            for membership in formset.new_objects:
                staff_grant_catalog_permissions(user=membership.user)


@admin.register(ProviderMembership)
class ProviderMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "provider", "role", "created_at"]
    list_filter = ["role", "provider"]
    search_fields = ["user__username", "user__email", "provider__name", "provider__code"]
    list_select_related = ["user", "provider"]
    raw_id_fields = ["user"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # A membership is what makes someone provider staff: give them the admin permissions.
        staff_grant_catalog_permissions(user=obj.user)


@admin.register(CatalogRevision)
class CatalogRevisionAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "reason"]
    search_fields = ["reason"]
    readonly_fields = ["created_at", "reason", "providers"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
