"""Access helpers: the providers whose insights a user may see (the catalog's scoping rule)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from catalog.models import (
    Provider,
)
from catalog.selectors import provider_list_for_staff


def provider_list_for_insights(*, user: Any) -> QuerySet[Provider]:
    """Providers whose insights the user may see: the providers they are staff of (the
    catalog's one scoping rule), by name."""
    return provider_list_for_staff(user=user).order_by("name", "code")


def provider_get_for_insights(*, user: Any, provider_id: int) -> Provider:
    """One of the user's providers; 404 for a missing provider and another's alike."""
    return get_object_or_404(provider_list_for_insights(user=user), pk=provider_id)
