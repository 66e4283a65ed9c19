"""Obligation reads, and the one access helper for a technologist's obligations."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from obligations.models import Obligation, ObligationTemplate, TemplateRequirement


def obligations_for_user(*, user: Any) -> QuerySet[Obligation]:
    """The user's obligations, due date first, with their templates and requirements."""
    if not getattr(user, "is_authenticated", False):
        return Obligation.objects.none()
    return (
        Obligation.objects.filter(owner=user)
        .select_related("template", "discipline")
        .prefetch_related(
            Prefetch(
                "template__requirements",
                queryset=TemplateRequirement.objects.order_by("position", "id"),
            )
        )
        .order_by("due_on", "id")
    )


def obligation_get_for_user(*, user: Any, obligation_id: int) -> Obligation:
    """The user's obligation; 404 for a missing one and for anyone else's alike."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such obligation")
    return get_object_or_404(obligations_for_user(user=user), pk=obligation_id)


def templates_offered() -> QuerySet[ObligationTemplate]:
    """The active templates with their requirements, for the page's rule list."""
    return (
        ObligationTemplate.objects.filter(is_active=True)
        .prefetch_related(
            Prefetch("requirements", queryset=TemplateRequirement.objects.order_by("position"))
        )
        .order_by("kind", "state", "name")
    )
