"""The chosen plans in the admin, read-only like the prescriptions they belong to (site staff
see them and may delete them; plans are written only through plans.services), and the
queue of unmatched prescription lines, whose mapping re-plans (so it lives here)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from catalog.models import Subcategory
from plans.models import Plan, PlanItem
from plans.services import unmatched_name_resolve
from prescriptions.admin import ReadOnlyAdmin, ReadOnlyInline
from prescriptions.models import UnmatchedLine
from prescriptions.selectors.unmatched import unmatched_name_queue


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


class MapNameForm(forms.Form):
    """Map one queued name (of one discipline) to a subcategory of its current outline."""

    name = forms.CharField(widget=forms.HiddenInput, max_length=200)
    discipline = forms.CharField(widget=forms.HiddenInput, max_length=8)
    subcategory = forms.TypedChoiceField(label="Map to", coerce=int)

    def __init__(self, *args: Any, discipline_code: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[int, str]]] = {}
        for sub in (
            Subcategory.objects.filter(
                outline__discipline__code=discipline_code, outline__is_current=True
            )
            .select_related("major")
            .order_by("major__position", "position", "name")
        ):
            groups.setdefault(sub.major.name, []).append((sub.pk, sub.name))
        field = cast(forms.TypedChoiceField, self.fields["subcategory"])
        field.choices = [("", "Choose a subcategory…"), *groups.items()]


@admin.register(UnmatchedLine)
class UnmatchedLineAdmin(admin.ModelAdmin):
    """The queue of names technologists entered as "not in our outline yet".

    The list groups open lines by discipline and name, with how many prescriptions use
    each; mapping a name to a subcategory makes it an alias and re-plans those
    prescriptions (plans.services.unmatched_name_resolve).
    """

    change_list_template = "admin/prescriptions/unmatched_queue.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(getattr(request.user, "is_superuser", False)) or super().has_change_permission(
            request, obj
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        can_map = self.has_change_permission(request)
        if request.method == "POST":
            if not can_map:
                raise PermissionDenied
            return self._map(request)
        queue = unmatched_name_queue()
        rows = [
            (
                name,
                MapNameForm(
                    initial={"name": name.name, "discipline": name.discipline_code},
                    discipline_code=name.discipline_code,
                    prefix=f"n{index}",
                ),
            )
            for index, name in enumerate(queue)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Names not in our outlines yet",
            "opts": self.model._meta,
            "rows": rows,
            "can_map": can_map,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.change_list_template, context)

    def _map(self, request: HttpRequest) -> HttpResponse:
        prefix = request.POST.get("prefix", "")
        code = request.POST.get(f"{prefix}-discipline", "")
        form = MapNameForm(request.POST, discipline_code=code, prefix=prefix)
        if not form.is_valid():
            self.message_user(
                request, "Choose the subcategory the name stands for.", messages.ERROR
            )
            return redirect(request.path)
        subcategory = Subcategory.objects.select_related("outline__discipline").get(
            pk=form.cleaned_data["subcategory"]
        )
        name = form.cleaned_data["name"]
        replanned = unmatched_name_resolve(name=name, subcategory=subcategory)
        self.message_user(
            request,
            f"“{name}” now stands for {subcategory.name} ({subcategory.outline.discipline.code}); "
            f"{len(replanned)} prescription(s) re-planned.",
            messages.SUCCESS,
        )
        return redirect(request.path)
