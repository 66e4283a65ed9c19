"""Planning a prescription together with the technologist's other obligations (the
"Plan together with" choice on the bundles page, and the API)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from matching.models import MatchingRun
from matching.services.runs import run_create
from obligations.models import Obligation
from prescriptions.extras import check_labels, parse_extras
from prescriptions.models import Prescription
from prescriptions.obligation_extras import obligation_extras
from prescriptions.selectors.wording import human_date
from prescriptions.services import check_not_completed

_WHERE = re.compile(r"extra\[(\d+)\]")


@transaction.atomic
def prescription_obligations_set(
    *, prescription: Prescription, obligations: Sequence[Obligation]
) -> MatchingRun:
    """Plan the prescription together with exactly `obligations` (none: alone) and queue
    a run. Each must be the owner's, plannable (not a CQR window) and due on or after the
    issue date, and no two requirements may share a label; otherwise ValidationError
    names the obligation and nothing changes."""
    check_not_completed(prescription, "planned with other obligations")
    errors: list[str] = []
    chosen: list[Obligation] = []
    for obligation in obligations:
        if obligation.owner_id != prescription.owner_id:
            raise ValidationError("This obligation belongs to someone else.")
        if not obligation.plannable:
            errors.append(
                f"{obligation.title}: a CQR window is the prescription itself, not an "
                "obligation to add to it."
            )
        elif obligation.due_on < prescription.issued_on:
            errors.append(
                f"{obligation.title}: due {human_date(obligation.due_on)}, before the "
                f"prescription was issued ({human_date(prescription.issued_on)}); change its "
                "due date on your obligations page."
            )
        elif obligation not in chosen:
            chosen.append(obligation)
    _, extras = obligation_extras(chosen)
    stored = list(prescription.extras.order_by("id"))
    owners = ["this prescription"] * len(stored)
    titles = {o.pk: o.title for o in chosen}
    owners += [titles[int(e.group.split(":", 1)[1])] for e in extras]
    rows: list[dict[str, Any]] = [
        {"kind": row.kind, "credits": str(row.credits), "label": row.label or None}
        | ({"tags": list(row.tags)} if row.kind == "tag_minimum" else {})
        for row in stored
    ] + [extra.document() for extra in extras]

    def add(where: str, message: str) -> None:
        found = _WHERE.match(where)
        if found:
            message = _WHERE.sub(lambda m: owners[int(m.group(1))], message)
            errors.append(f"{owners[int(found.group(1))]}: {message}")
        else:
            errors.append(message)

    parsed = parse_extras(
        add,
        rows,
        issued_on=None,
        positive_amount=lambda _field, value: Decimal(str(value)),
        read_date=lambda _field, value: date.fromisoformat(value),
    )
    check_labels(
        add,
        parsed,
        [row.subcategory.name for row in prescription.required.select_related("subcategory")],
    )
    if errors:
        raise ValidationError(errors)
    prescription.obligations.set(chosen)
    prescription.save(update_fields=["updated_at"])
    return run_create(prescription=prescription)
