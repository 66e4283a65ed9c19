"""Access helpers: the only way views and the API fetch a technologist's prescriptions
and their bundles and plan items (anyone else's object is a 404), plus the owner's lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import BaseExpression
from django.http import Http404
from django.shortcuts import get_object_or_404

from catalog.models import Course, CreditDistribution, course_visible_q
from matching.models import Bundle, MatchingRun
from plans.models import Certificate, PlanItem
from prescriptions.models import Prescription, UnmatchedLine
from prescriptions.obligation_extras import plan_with_flags
from prescriptions.spec_rows import spec_row_flags

# Flags that apps above this one read from the prescription (name -> a factory of an
# expression over it, such as followup's "has an open cheaper-plan alert"): they register
# them in their AppConfig.ready, so that the prescription's own query answers them.
PRESCRIPTION_FLAGS: dict[str, Callable[[], BaseExpression]] = {}


def prescription_flag_register(name: str, flag: Callable[[], BaseExpression]) -> None:
    """Load every prescription of `prescription_get_for_user` annotated with `name`."""
    PRESCRIPTION_FLAGS[name] = flag


def prescription_get_for_user(*, user: Any, prescription_id: int) -> Prescription:
    """The user's prescription; 404 for a missing one and for anyone else's alike. It
    carries flags saying which optional rows exist (the spec's, unmatched lines, plannable
    obligations, the registered `PRESCRIPTION_FLAGS`), so the pages skip the empty ones."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such prescription")
    return get_object_or_404(
        Prescription.objects.select_related("outline__discipline", "owner__profile").annotate(
            **spec_row_flags(),
            **plan_with_flags(),
            has_unmatched_lines=Exists(
                UnmatchedLine.objects.filter(prescription_id=OuterRef("pk"))
            ),
            **{name: flag() for name, flag in PRESCRIPTION_FLAGS.items()},
        ),
        pk=prescription_id,
        owner=user,
    )


def bundle_get_for_prescription(*, prescription: Prescription, bundle_id: int) -> Bundle:
    """A bundle of one of the prescription's runs (404 otherwise)."""
    return get_object_or_404(
        Bundle.objects.select_related("run"), pk=bundle_id, run__prescription=prescription
    )


def plan_item_get_for_prescription(*, prescription: Prescription, item_id: int) -> PlanItem:
    """An item of the prescription's plan (404 otherwise)."""
    return get_object_or_404(
        PlanItem.objects.select_related("plan__prescription", "course"),
        pk=item_id,
        plan__prescription=prescription,
    )


def certificate_get_for_item(*, item: PlanItem) -> Certificate:
    """The certificate of a done plan item (404 when there is none)."""
    return get_object_or_404(
        Certificate.objects.select_related("item__course"),
        item=item,
        item__status=PlanItem.Status.DONE,
    )


def prescription_list_for_user(*, user: Any) -> QuerySet[Prescription]:
    """The user's prescriptions with their latest run's status and the plan's progress."""
    latest = MatchingRun.objects.filter(prescription=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        Prescription.objects.filter(owner=user)
        .select_related("outline__discipline", "plan")
        .annotate(
            run_status=Subquery(latest.values("status")[:1]),
            run_outcome=Subquery(latest.values("outcome")[:1]),
            run_stale=Subquery(latest.values("is_stale")[:1]),
            plan_items=Count("plan__items", distinct=True),
            plan_done=Count(
                "plan__items", filter=Q(plan__items__status=PlanItem.Status.DONE), distinct=True
            ),
        )
        .order_by("deadline", "-created_at")
    )


def course_list_matching(
    *, discipline_id: int, query: str, owner_id: int | None = None, limit: int = 20
) -> list[Course]:
    """Active courses with credit in the discipline whose title, code or provider matches:
    the catalog's, and with `owner_id` that technologist's own."""
    query = query.strip()
    if not query:
        return []
    rows = CreditDistribution.objects.filter(
        course=OuterRef("pk"), subcategory__outline__discipline_id=discipline_id
    )
    text = (
        Q(title__icontains=query)
        | Q(code__icontains=query)
        | Q(provider__name__icontains=query)
        | Q(provider__code__iexact=query)
        | Q(provider_name__icontains=query)
    )
    return list(
        Course.all_courses.filter(course_visible_q(owner_id), Exists(rows), text, is_active=True)
        .select_related("provider")
        .order_by("title", "provider__name")[:limit]
    )
