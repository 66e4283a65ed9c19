"""Prescription writes: the prescription and its rows, and the lines our outline does not
know yet. Saving and then planning (a matching run) is `plans.services`; every view, API
and command goes through that."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Subcategory, SubcategoryAlias
from core.jsontext import single_line_problem
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


def check_not_completed(prescription: Prescription, action: str) -> None:
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


def prescription_write(
    prescription: Prescription,
    *,
    spec: PrescriptionSpec,
    title: str,
    share_anonymously: bool,
    floating_as_of: bool,
    completed: bool,
) -> Prescription:
    """Write the spec onto the prescription (a new one is created) and its rows, inside the
    caller's transaction. Planning it is not done here: `plans.services` saves through
    this, then queues the matching run."""
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
    return prescription


@transaction.atomic
def prescription_delete(*, prescription: Prescription) -> None:
    """Delete a prescription with its runs, bundles and plan."""
    prescription.delete()


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
def unmatched_name_map(*, name: str, subcategory: Subcategory) -> list[Prescription]:
    """Map an unmatched name to a subcategory of the same discipline.

    The name becomes an alias of the subcategory in its outline (unless it already names
    a subcategory or alias there), every open line with that name (case and spacing
    ignored) in a prescription of that discipline becomes a required credit — added to the
    credits of the same subcategory when the prescription already has it. Returns those
    prescriptions (plans.services.unmatched_name_resolve re-plans them).
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
    return list(affected.values())
