"""Prescriptions in the admin: read-only support views for site staff.

Prescriptions are written only through prescriptions.services (which validates them
against the outline), so the admin shows them and may delete them, nothing else. (The
plans and the unmatched-line queue, whose mapping re-plans, are in plans.admin.) Provider
staff have no permission on these models: technologists' prescriptions are private.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from prescriptions.models import ExtraRequirement, Prescription, RequiredCredit


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RequiredCreditInline(ReadOnlyInline):
    model = RequiredCredit
    fields = ["subcategory", "credits"]


class ExtraRequirementInline(ReadOnlyInline):
    model = ExtraRequirement
    fields = ["kind", "credits"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Prescription)
class PrescriptionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "owner", "discipline", "kind", "issued_on", "deadline", "created_at"]
    list_filter = ["kind", "outline__discipline"]
    search_fields = ["title", "owner__username", "owner__email"]
    list_select_related = ["owner", "outline__discipline"]
    date_hierarchy = "deadline"
    inlines = [RequiredCreditInline, ExtraRequirementInline]
    exclude = ["completed_courses", "owned_courses", "excluded_providers"]
    readonly_fields = ["completed_list", "owned_list", "excluded_list"]

    @admin.display(description="discipline", ordering="outline__discipline__code")
    def discipline(self, obj: Prescription) -> str:
        return obj.outline.discipline.code

    @admin.display(description="completed courses")
    def completed_list(self, obj: Prescription) -> str:
        return ", ".join(c.code for c in obj.completed_courses.all()) or "—"

    @admin.display(description="owned courses")
    def owned_list(self, obj: Prescription) -> str:
        return ", ".join(c.code for c in obj.owned_courses.all()) or "—"

    @admin.display(description="excluded providers")
    def excluded_list(self, obj: Prescription) -> str:
        return ", ".join(p.code for p in obj.excluded_providers.all()) or "—"
