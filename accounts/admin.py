"""Technologist profiles in the admin (site staff)."""

from __future__ import annotations

from django.contrib import admin

from accounts.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "full_name", "arrt_id", "created_at"]
    search_fields = ["user__username", "user__email", "full_name", "arrt_id"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    filter_horizontal = ["disciplines"]
