"""Saved prescriptions as specs: `prescription_spec_from_model` reads a prescription's rows
(and its owner's obligations planned with it) into the `PrescriptionSpec` that documents
also parse to, reading only the optional rows the access helper said it has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef
from django.utils import timezone

from catalog.models import course_visible_q
from catalog.outline_dates import covers
from catalog.selectors import outline_in_force
from prescriptions.documents import FieldErrors, PrescriptionSpec, parse_formats
from prescriptions.extras import ExtraSpec
from prescriptions.obligation_extras import obligation_extras

if TYPE_CHECKING:
    from prescriptions.models import Prescription


def spec_row_flags() -> dict[str, Exists]:
    """Annotations saying which optional rows a prescription has (`has_extras`, ...). The
    access helper loads the prescription with them, so `prescription_spec_from_model`
    reads only the rows that exist: no query for the empty lists most prescriptions have."""
    from prescriptions.models import ExtraRequirement, Prescription

    def through(field: str) -> Exists:
        rows = getattr(Prescription, field).through.objects
        return Exists(rows.filter(prescription_id=OuterRef("pk")))

    return {
        "has_extras": Exists(ExtraRequirement.objects.filter(prescription_id=OuterRef("pk"))),
        **{f"has_{field}": through(field) for field in SPEC_OPTIONAL_ROWS[1:]},
    }


SPEC_OPTIONAL_ROWS = (
    "extras",
    "obligations",
    "completed_courses",
    "owned_courses",
    "excluded_providers",
)


def _has(prescription: Prescription, rows: str) -> bool:
    """False only when the prescription was loaded saying it has none of these rows."""
    return bool(getattr(prescription, f"has_{rows}", True))


def prescription_spec_from_model(prescription: Prescription) -> PrescriptionSpec:
    """The spec of a saved prescription (its rows were validated when saved; rules that
    the database cannot enforce are checked again here). Loaded with `spec_row_flags`,
    it skips the optional rows the prescription does not have."""
    errors = FieldErrors()
    outline = prescription.outline  # the access helpers load it with its discipline
    if not (outline.is_current and covers(outline, prescription.issued_on)):
        # Read against the version in force on its issue date (staff may have added one
        # since it was saved); the current version covering that date is that version.
        outline = (
            outline_in_force(discipline_id=outline.discipline_id, on=prescription.issued_on)
            or outline
        )
    required = tuple(
        (row.subcategory, row.credits)
        for row in prescription.required.select_related(
            "subcategory__outline", "subcategory__major"
        ).order_by("id")
    )
    for i, (sub, _) in enumerate(required):
        if sub.outline.discipline_id != outline.discipline_id:
            errors.add(
                f"required[{i}].category",
                f'"{sub.name}" is not a subcategory of discipline {outline.discipline.code}',
            )
    extras = tuple(
        ExtraSpec(row.kind, row.credits, row.deadline, row.label, tuple(row.tags or ()))
        for row in (prescription.extras.order_by("id") if _has(prescription, "extras") else ())
        if row.credits > 0
    )
    planned, from_obligations = obligation_extras(
        prescription.obligations.select_related("template", "discipline").prefetch_related(
            "template__requirements"
        )
        if _has(prescription, "obligations")
        else ()
    )
    extras += from_obligations
    if not required and not extras:
        errors.add("required", "the prescription has no required credits")
    formats = parse_formats(errors, list(prescription.formats)) if prescription.formats else None
    errors.raise_if_any()
    # Catalog courses and the owner's own ones (never another technologist's).
    visible = course_visible_q(prescription.owner_id)
    return PrescriptionSpec(
        outline=outline,
        owner_id=prescription.owner_id,
        kind=prescription.kind,
        issued_on=prescription.issued_on,
        deadline=prescription.deadline,
        as_of=prescription.as_of or timezone.localdate(),
        required=required,
        # A completed course counts even if its provider has since withdrawn it.
        completed=tuple(
            prescription.completed_courses.filter(visible).select_related("provider").order_by("id")
            if _has(prescription, "completed_courses")
            else ()
        ),
        owned=tuple(
            prescription.owned_courses.filter(visible, is_active=True)
            .select_related("provider")
            .order_by("id")
            if _has(prescription, "owned_courses")
            else ()
        ),
        hours_per_week=prescription.hours_per_week,
        formats=formats,
        exclude_providers=(
            tuple(prescription.excluded_providers.all())
            if _has(prescription, "excluded_providers")
            else ()
        ),
        extras=extras,
        biennium_ends_on=(
            prescription.biennium_ends_on
            if any(e.kind == "total_ce" and not e.group for e in extras)
            else None
        ),
        obligations=planned,
    )
