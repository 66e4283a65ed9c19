"""Plan writes and the orchestration above a prescription: save it, then queue its matching
run; recompute; choose a bundle, tick courses off, re-plan. Every view, API and command
goes through these (the prescription's own rows are written by prescriptions.services)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Subcategory
from core.exceptions import ObjectGone, StateChanged
from matching.models import Bundle, MatchingRun
from matching.services.runs import run_create
from plans.certificates import certificate_attach
from plans.models import Plan, PlanItem
from prescriptions.documents import PrescriptionSpec
from prescriptions.models import Prescription
from prescriptions.selectors.wording import human_date as _human_date
from prescriptions.services import (
    check_not_completed,
    prescription_write,
    unmatched_name_map,
)


@transaction.atomic
def prescription_create(
    *,
    owner: User,
    spec: PrescriptionSpec,
    title: str = "",
    share_anonymously: bool = False,
    floating_as_of: bool = False,
    completed: bool = False,
) -> Prescription:
    """Save a validated prescription and queue its first matching run.

    `floating_as_of=True` stores no planning date, so every run plans from its own today
    (what the web form does when "Plan from" is left empty). `completed=True` keeps it as
    history: saved, never planned; only then may its deadline be in the past.
    """
    return _save_and_queue(
        Prescription(owner=owner),
        spec=spec,
        title=title,
        share_anonymously=share_anonymously,
        floating_as_of=floating_as_of,
        completed=completed,
    )


@transaction.atomic
def prescription_update(
    *,
    prescription: Prescription,
    spec: PrescriptionSpec,
    title: str = "",
    share_anonymously: bool = False,
    floating_as_of: bool = False,
    completed: bool = False,
) -> Prescription:
    """Replace a prescription's content and queue a new run (none when it is marked
    completed); the chosen plan is kept."""
    return _save_and_queue(
        prescription,
        spec=spec,
        title=title,
        share_anonymously=share_anonymously,
        floating_as_of=floating_as_of,
        completed=completed,
    )


def _save_and_queue(
    prescription: Prescription,
    *,
    spec: PrescriptionSpec,
    title: str,
    share_anonymously: bool,
    floating_as_of: bool,
    completed: bool,
) -> Prescription:
    """Write the spec onto the prescription and its rows, then queue a matching run
    (unless it is kept as history)."""
    created = prescription._state.adding
    prescription_write(
        prescription,
        spec=spec,
        title=title,
        share_anonymously=share_anonymously,
        floating_as_of=floating_as_of,
        completed=completed,
    )
    if not completed:
        run_create(prescription=prescription, first=created)
    return prescription


def prescription_recompute(*, prescription: Prescription) -> MatchingRun:
    """A new run for the prescription as it is now (the "Recompute" button)."""
    check_not_completed(prescription, "recomputed")
    return run_create(prescription=prescription)


# --- Plans -------------------------------------------------------------------------------


def _lock_prescription(prescription: Prescription) -> Prescription:
    """Lock the prescription's row for the rest of the transaction: every plan write
    (choose, mark done, undo, re-plan) takes it first, so they run one after the other
    and each sees what the previous one wrote."""
    locked = Prescription.objects.select_for_update().filter(pk=prescription.pk).first()
    if locked is None:
        raise ObjectGone("This prescription was deleted meanwhile.")
    return locked


def _locked_item(item: PlanItem) -> PlanItem:
    """The item as it is now, with the prescription locked; ObjectGone when another
    request replaced the plan (choosing a bundle drops its planned items)."""
    _lock_prescription(item.plan.prescription)
    current = PlanItem.objects.select_related("plan__prescription", "course").filter(pk=item.pk)
    found = current.first()
    if found is None:
        raise ObjectGone(
            f"“{item.course.title}” is no longer in your plan: the plan was changed "
            "meanwhile (another bundle was chosen). Reload the plan."
        )
    return found


@transaction.atomic
def plan_choose(*, prescription: Prescription, bundle: Bundle) -> Plan:
    """Make `bundle` the prescription's plan.

    An existing plan is replaced, but the courses already marked done stay done (and
    first); the bundle's other courses become planned items with its due dates.
    """
    if bundle.run.prescription_id != prescription.pk:
        raise ValidationError("This bundle belongs to another prescription.")
    prescription = _lock_prescription(prescription)
    check_not_completed(prescription, "planned")
    if not Bundle.objects.filter(pk=bundle.pk).exists():
        raise ObjectGone(
            "This bundle is no longer available: the bundles were computed again "
            "meanwhile. Choose from the current ones."
        )
    items = list(bundle.items.select_related("course").order_by("position"))
    missing = [item.code for item in items if item.course_id is None]
    if missing:
        raise ValidationError(
            f"Course {', '.join(missing)} of this bundle is no longer in the catalog; "
            "recompute the bundles and choose again."
        )
    plan, _ = Plan.objects.get_or_create(prescription=prescription)
    done = list(plan.items.filter(status=PlanItem.Status.DONE).order_by("done_on", "position"))
    plan.items.filter(status=PlanItem.Status.PLANNED).delete()
    done_ids = {item.course_id for item in done}
    for position, item in enumerate(done):
        item.position = position
    PlanItem.objects.bulk_update(done, ["position"])
    PlanItem.objects.bulk_create(
        PlanItem(
            plan=plan,
            course=row.course,
            position=len(done) + i,
            complete_by=row.complete_by,
        )
        for i, row in enumerate(r for r in items if r.course_id not in done_ids)
        if row.course is not None
    )
    plan.bundle = bundle
    plan.price = bundle.price
    plan.save()
    return plan


@transaction.atomic
def plan_item_mark_done(*, item: PlanItem, done_on: date, certificate: Any = None) -> PlanItem:
    """Record that a planned course was completed on `done_on`, with its certificate
    (an uploaded file) when given: a refused certificate leaves the course planned."""
    item = _locked_item(item)
    prescription = item.plan.prescription
    if item.status == PlanItem.Status.DONE and item.done_on is not None:
        raise StateChanged(
            f"“{item.course.title}” is already marked done "
            f"(on {_human_date(item.done_on)}); undo it first to change the date."
        )
    today = timezone.localdate()
    event = item.course.event_date
    if event is not None and done_on < event and done_on <= today:
        raise ValidationError(
            {
                "done_on": f"“{item.course.title}” takes place on {_human_date(event)}: "
                "it can be marked done on or after that day."
            }
        )
    if done_on > today:
        raise ValidationError(
            {"done_on": f"The completion date ({_human_date(done_on)}) is in the future."}
        )
    if done_on < prescription.issued_on:
        raise ValidationError(
            {
                "done_on": f"The completion date ({_human_date(done_on)}) is before the "
                f"prescription was issued ({_human_date(prescription.issued_on)}); "
                "only courses completed after it count."
            }
        )
    item.status = PlanItem.Status.DONE
    item.done_on = done_on
    item.full_clean()
    item.save(update_fields=["status", "done_on"])
    if certificate is not None:
        certificate_attach(item=item, upload=certificate)
    return item


@transaction.atomic
def plan_item_mark_planned(*, item: PlanItem) -> PlanItem:
    """Undo "done" for a plan item (a planned one stays planned)."""
    item = _locked_item(item)
    item.status = PlanItem.Status.PLANNED
    item.done_on = None
    item.save(update_fields=["status", "done_on"])
    return item


@transaction.atomic
def plan_replan(*, prescription: Prescription) -> MatchingRun:
    """Re-plan the rest: courses marked done become completed courses of the prescription
    (so their credits count and they are not recommended again), then a new run."""
    prescription = _lock_prescription(prescription)
    check_not_completed(prescription, "re-planned")
    plan = Plan.objects.filter(prescription=prescription).first()
    if plan is not None:
        done = [item.course_id for item in plan.items.filter(status=PlanItem.Status.DONE)]
        prescription.completed_courses.add(*done)
    return run_create(prescription=prescription)


# --- Lines the outline does not know yet -------------------------------------------------


@transaction.atomic
def unmatched_name_resolve(*, name: str, subcategory: Subcategory) -> list[Prescription]:
    """Map an unmatched name to a subcategory (prescriptions.services.unmatched_name_map:
    the alias, the lines become required credits) and re-plan the prescriptions it changed
    (those not kept as history). Returns them."""
    affected = unmatched_name_map(name=name, subcategory=subcategory)
    for prescription in affected:
        if not prescription.is_completed:
            run_create(prescription=prescription)
    return affected
