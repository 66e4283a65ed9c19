"""Prescription and plan writes. Every view, API and command goes through these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Subcategory, SubcategoryAlias
from core.exceptions import ObjectGone, StateChanged
from core.jsontext import single_line_problem
from matching.models import Bundle, MatchingRun
from matching.services.runs import run_create
from plans.certificates import certificate_attach
from plans.models import Plan, PlanItem
from prescriptions.documents import PrescriptionSpec
from prescriptions.models import ExtraRequirement, Prescription, RequiredCredit, UnmatchedLine
from prescriptions.unmatched import UnmatchedSpec, unmatched_name_key


def _human_date(value: date) -> str:
    return f"{value:%b} {value.day}, {value.year}"


def prescription_deadline_error(
    *, deadline: date, completed: bool, today: date | None = None
) -> str | None:
    """The entry rule for deadlines (form, JSON upload, paste and API): a deadline before
    today cannot be planned, so it is kept only as history, when the user says the
    prescription is completed. (The `recommend` command plans from its own `as_of`.)"""
    today = today or timezone.localdate()
    if completed or deadline >= today:
        return None
    return (
        f"The deadline ({_human_date(deadline)}) has passed: nothing can be planned for "
        "it. Enter your current deadline, or mark the prescription completed to keep it "
        "as history."
    )


def _not_completed(prescription: Prescription, action: str) -> None:
    if prescription.is_completed:
        raise ValidationError(
            f"“{prescription}” is marked completed and kept as history, so it is not "
            f"{action}. Edit it and clear “completed” to plan it again."
        )


def _apply_spec(
    prescription: Prescription,
    *,
    spec: PrescriptionSpec,
    title: str,
    share_anonymously: bool,
    floating_as_of: bool,
    completed: bool,
) -> None:
    problem = single_line_problem(title)
    if problem:
        raise ValidationError({"title": f"The name {problem}."})
    error = prescription_deadline_error(deadline=spec.deadline, completed=completed)
    if error:
        raise ValidationError({"deadline": error})
    prescription.status = Prescription.Status.COMPLETED if completed else Prescription.Status.ACTIVE
    prescription.outline = spec.outline
    prescription.kind = spec.kind
    prescription.title = title.strip()
    prescription.issued_on = spec.issued_on
    prescription.deadline = spec.deadline
    prescription.biennium_ends_on = spec.biennium_ends_on
    prescription.as_of = None if floating_as_of else spec.as_of
    prescription.hours_per_week = spec.hours_per_week
    prescription.formats = sorted(spec.formats) if spec.formats is not None else []
    prescription.share_anonymously = share_anonymously
    # The spec was resolved and checked (the outline exists; the dates and hours the check
    # constraints guard got precise messages): the fields' own rules are left to check, and
    # the database still enforces the constraints.
    prescription.full_clean(exclude=["owner", "outline"], validate_constraints=False)
    prescription.save()


def _write_rows(prescription: Prescription, spec: PrescriptionSpec, *, created: bool) -> None:
    """The spec's rows; a new prescription has none to replace (no delete, no diff)."""
    if not created:
        prescription.required.all().delete()
    RequiredCredit.objects.bulk_create(
        RequiredCredit(prescription=prescription, subcategory=sub, credits=credits)
        for sub, credits in spec.required
    )
    if not created:
        prescription.extras.all().delete()
    ExtraRequirement.objects.bulk_create(
        ExtraRequirement(
            prescription=prescription,
            kind=extra.kind,
            credits=extra.credits,
            deadline=extra.deadline,
            label=extra.label,
            tags=list(extra.tags),
        )
        for extra in spec.extras
        if not extra.group  # an obligation's requirements come from the obligation
    )
    _set_related(prescription.completed_courses, spec.completed, created=created)
    _set_related(prescription.owned_courses, spec.owned, created=created)
    _set_related(prescription.excluded_providers, spec.exclude_providers, created=created)


def _set_related(related: Any, objects: Sequence[Any], *, created: bool) -> None:
    """A many-to-many relation set to `objects` (a new row's is empty: add, if anything)."""
    if not created:
        related.set(objects)
    elif objects:
        related.add(*objects)


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
    _apply_spec(
        prescription,
        spec=spec,
        title=title,
        share_anonymously=share_anonymously,
        floating_as_of=floating_as_of,
        completed=completed,
    )
    _write_rows(prescription, spec, created=created)
    if not completed:
        run_create(prescription=prescription, first=created)
    return prescription


@transaction.atomic
def prescription_delete(*, prescription: Prescription) -> None:
    """Delete a prescription with its runs, bundles and plan."""
    prescription.delete()


def prescription_recompute(*, prescription: Prescription) -> MatchingRun:
    """A new run for the prescription as it is now (the "Recompute" button)."""
    _not_completed(prescription, "recomputed")
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
    _not_completed(prescription, "re-planned")
    plan = Plan.objects.filter(prescription=prescription).first()
    if plan is not None:
        done = [item.course_id for item in plan.items.filter(status=PlanItem.Status.DONE)]
        prescription.completed_courses.add(*done)
    return run_create(prescription=prescription)


# --- Lines the outline does not know yet -------------------------------------------------


@transaction.atomic
def unmatched_lines_add(
    *, prescription: Prescription, lines: Sequence[UnmatchedSpec]
) -> list[UnmatchedLine]:
    """Keep lines whose subcategory is not in our outline yet with the prescription. They
    are not planned until site staff map the name (`unmatched_name_resolve`)."""
    return UnmatchedLine.objects.bulk_create(
        UnmatchedLine(
            prescription=prescription, name=spec.name, credits=spec.credits, line=spec.line
        )
        for spec in lines
    )


@transaction.atomic
def unmatched_lines_replace(
    *, prescription: Prescription, lines: Sequence[UnmatchedSpec]
) -> list[UnmatchedLine]:
    """The form's "not in the list" rows replace the prescription's open lines (lines
    already mapped by staff are required credits now and stay as history)."""
    prescription.unmatched_lines.filter(resolved_to__isnull=True).delete()
    return unmatched_lines_add(prescription=prescription, lines=lines)


@transaction.atomic
def unmatched_name_resolve(*, name: str, subcategory: Subcategory) -> list[Prescription]:
    """Map an unmatched name to a subcategory of the same discipline.

    The name becomes an alias of the subcategory in its outline (unless it already names
    a subcategory or alias there), every open line with that name (case and spacing
    ignored) in a prescription of that discipline becomes a required credit — added to the
    credits of the same subcategory when the prescription already has it — and those
    prescriptions are re-planned. Returns them.
    """
    outline = subcategory.outline
    key = unmatched_name_key(name)
    clean = " ".join(name.split())
    known = {unmatched_name_key(n) for n in outline.subcategories.values_list("name", flat=True)}
    known |= {unmatched_name_key(a) for a in outline.aliases.values_list("alias", flat=True)}
    if key not in known:
        SubcategoryAlias.objects.create(outline=outline, alias=clean, subcategory=subcategory)
    lines = [
        line
        for line in UnmatchedLine.objects.select_for_update()
        .filter(
            resolved_to__isnull=True,
            prescription__outline__discipline_id=outline.discipline_id,
        )
        .select_related("prescription")
        if unmatched_name_key(line.name) == key
    ]
    affected: dict[int, Prescription] = {}
    now = timezone.now()
    for line in lines:
        prescription = line.prescription
        required, created = RequiredCredit.objects.get_or_create(
            prescription=prescription, subcategory=subcategory, defaults={"credits": line.credits}
        )
        if not created:
            required.credits += line.credits
            required.save(update_fields=["credits"])
        line.resolved_to = subcategory
        line.resolved_at = now
        line.save(update_fields=["resolved_to", "resolved_at"])
        affected[prescription.pk] = prescription
    for prescription in affected.values():
        if not prescription.is_completed:
            run_create(prescription=prescription)
    return list(affected.values())
