"""Obligation templates in the admin: site staff correct rules without a code change."""

from __future__ import annotations

from django.contrib import admin

from catalog.admin import URL_FIELD_OVERRIDES
from obligations.models import ObligationTemplate, TemplateRequirement


class TemplateRequirementInline(admin.TabularInline):
    model = TemplateRequirement
    extra = 0
    fields = ["position", "kind", "credits", "label", "tags"]


@admin.register(ObligationTemplate)
class ObligationTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "authority", "state", "kind", "status", "effective_from"]
    list_filter = ["kind", "confirmed", "state", "is_active"]
    search_fields = ["code", "name", "authority", "state"]
    inlines = [TemplateRequirementInline]
    formfield_overrides = URL_FIELD_OVERRIDES
    fieldsets = [
        (None, {"fields": ["code", "name", "authority", "kind", "credentials", "state"]}),
        ("Rule", {"fields": ["period_months", "rules_text", "effective_from", "is_active"]}),
        (
            "Source",
            {"fields": ["source", "source_title", "confirmed", "checked_on", "note"]},
        ),
    ]

    @admin.display(description="Status", ordering="confirmed")
    def status(self, obj: ObligationTemplate) -> str:
        return "Confirmed" if obj.confirmed else "Check with your board"
