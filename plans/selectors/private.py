"""Access helper and list of a technologist's own (private) courses: the only way views
and the API reach one (anyone else's, a catalog course, a missing id: 404 alike)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from catalog.models import Course, CreditDistribution


def _owned_by(user: Any) -> QuerySet[Course]:
    rows = CreditDistribution.objects.select_related(
        "subcategory__major", "subcategory__outline__discipline"
    )
    return (
        Course.all_courses.filter(owner=user)
        .prefetch_related(Prefetch("distribution", queryset=rows))
        .order_by("title", "id")
    )


def private_course_get_for_user(*, user: Any, course_id: int) -> Course:
    """The user's own course; 404 for anyone else's, a catalog course and a missing one."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such course")
    return get_object_or_404(_owned_by(user), pk=course_id)


def private_course_list_for_user(*, user: Any) -> list[Course]:
    """The user's own courses by title, with their credit distribution."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(_owned_by(user))
