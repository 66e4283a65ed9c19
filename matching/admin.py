"""Matching runs in the admin: read-only, for site staff diagnosing a run."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from matching.models import Bundle, MatchingRun


class BundleInline(admin.TabularInline):
    model = Bundle
    fields = ["rank", "label", "price", "price_delta", "hours", "ce_credits", "slack_days"]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MatchingRun)
class MatchingRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "prescription",
        "status",
        "outcome",
        "is_stale",
        "catalog_revision",
        "attempts",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "outcome", "is_stale"]
    search_fields = ["prescription__title", "prescription__owner__username", "error"]
    list_select_related = ["prescription__outline__discipline"]
    inlines = [BundleInline]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
