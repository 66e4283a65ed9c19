"""The chosen plans in the admin: read-only, like the prescriptions they belong to (site
staff see them and may delete them; plans are written only through plans.services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from plans.models import Plan, PlanItem
from prescriptions.admin import ReadOnlyAdmin, ReadOnlyInline


class PlanItemInline(ReadOnlyInline):
    model = PlanItem
    fields = ["position", "course", "complete_by", "status", "done_on"]


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ["prescription", "owner", "price", "item_count", "created_at"]
    search_fields = ["prescription__title", "prescription__owner__username"]
    list_select_related = ["prescription__owner", "prescription__outline__discipline"]
    inlines = [PlanItemInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("items")

    @admin.display(description="owner", ordering="prescription__owner__username")
    def owner(self, obj: Plan) -> str:
        return str(obj.prescription.owner)

    @admin.display(description="courses")
    def item_count(self, obj: Plan) -> int:
        return len(obj.items.all())
