"""A technologist's obligations (obligations app) as extra requirements of a prescription
planned together with them (contract §6): every template requirement becomes an extra
with the obligation's due date as its deadline, its label, and its tags.

They are not copied into ExtraRequirement rows: the spec reads them from the obligations
linked to the prescription, so a corrected rule or a new due date applies at the next run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef

from obligations.models import UNCONFIRMED_TEXT, Obligation
from obligations.selectors import obligations_for_user
from prescriptions.extras import ExtraSpec

if TYPE_CHECKING:
    from prescriptions.models import Prescription


@dataclass(frozen=True)
class ObligationInfo:
    """What pages and the PDF say about one obligation planned with the prescription."""

    key: str  # the ExtraSpec.group of its requirements
    title: str
    kind: str
    deadline: date
    due_label: str
    authority: str
    source: str
    source_title: str
    confirmed: bool

    @property
    def status_text(self) -> str:
        return "confirmed" if self.confirmed else UNCONFIRMED_TEXT


def obligation_key(obligation: Obligation) -> str:
    return f"obligation:{obligation.pk}"


def obligation_extras(
    obligations: Iterable[Obligation],
) -> tuple[tuple[ObligationInfo, ...], tuple[ExtraSpec, ...]]:
    """(what each obligation is, its requirements as extras), due date first. Obligations
    without a template (CQR windows: the prescription itself) give nothing."""
    infos: list[ObligationInfo] = []
    extras: list[ExtraSpec] = []
    for obligation in sorted(obligations, key=lambda o: (o.due_on, o.pk)):
        template = obligation.template
        if template is None:
            continue
        key = obligation_key(obligation)
        infos.append(
            ObligationInfo(
                key=key,
                title=obligation.title,
                kind=obligation.kind,
                deadline=obligation.due_on,
                due_label=obligation.due_label,
                authority=template.authority,
                source=template.source,
                source_title=template.source_title,
                confirmed=template.confirmed,
            )
        )
        extras.extend(
            ExtraSpec(
                kind=requirement.kind,
                credits=requirement.credits,
                deadline=obligation.due_on,
                label=requirement.label,
                tags=tuple(requirement.tags or ()),
                group=key,
            )
            for requirement in template.requirements.all()
        )
    return tuple(infos), tuple(extras)


def plan_with_flags() -> dict[str, Exists]:
    """`has_plannable_obligations`, on a prescription: whether its owner has an obligation
    it can be planned with (the access helper loads it, so `plan_with_choices` needs no
    query when there is none)."""
    plannable = Obligation.objects.filter(Obligation.plannable_q(), owner_id=OuterRef("owner_id"))
    return {"has_plannable_obligations": Exists(plannable)}


def plan_with_choices(prescription: Prescription) -> dict[str, Any]:
    """The "Plan together with" form of the bundles page: the owner's plannable
    obligations, each with whether the prescription is planned with it."""
    if not getattr(prescription, "has_plannable_obligations", True):
        return {"choices": []}
    through = type(prescription).obligations.through
    owned = (
        obligations_for_user(user=prescription.owner)
        .filter(Obligation.plannable_q())
        .prefetch_related(None)
        .annotate(
            planned=Exists(
                through.objects.filter(
                    prescription_id=prescription.pk, obligation_id=OuterRef("pk")
                )
            )
        )
    )
    return {"choices": [(o, o.planned) for o in owned]}
