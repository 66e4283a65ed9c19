"""Obligation template writes: loading the shipped data file (all or nothing)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Discipline
from obligations.models import Obligation, ObligationTemplate, TemplateRequirement

TEMPLATES_FORMAT = "cqr-obligation-templates/1"
DEFAULT_TEMPLATES_FILE = Path(__file__).resolve().parent / "data" / "obligation_templates.json"
TEMPLATE_FIELDS = (
    "name",
    "authority",
    "kind",
    "credentials",
    "state",
    "period_months",
    "rules_text",
    "source",
    "source_title",
    "effective_from",
    "confirmed",
    "checked_on",
    "note",
)
DATE_FIELDS = ("effective_from", "checked_on")


@dataclass
class TemplatesLoadSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.kept)} already loaded (kept as they are; --replace overwrites)"
        )


@dataclass(frozen=True)
class _Parsed:
    template: ObligationTemplate
    requirements: list[TemplateRequirement]


def _messages(error: ValidationError, where: str) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{where}.{name}: {message}"
            for name, errors in error.message_dict.items()
            for message in errors
        ]
    return [f"{where}: {message}" for message in error.messages]


def _date(value: Any) -> dt.date | None:
    """An ISO date or None; ValueError for anything else."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(value)
    return dt.date.fromisoformat(value)


def _parse_template(i: int, row: Any, errors: list[str]) -> _Parsed | None:
    where = f"templates[{i}]"
    if not isinstance(row, dict):
        errors.append(f"{where}: must be an object")
        return None
    code = row.get("code")
    if isinstance(code, str) and code:
        where = f'{where} "{code}"'
    values: dict[str, Any] = {}
    for name in TEMPLATE_FIELDS:
        value = row.get(name)
        if name in DATE_FIELDS:
            try:
                value = _date(value)
            except ValueError:
                errors.append(f"{where}.{name}: must be a date as YYYY-MM-DD, not {value!r}")
                continue
        elif name in ("state", "rules_text", "source_title", "note"):
            value = value or ""
        values[name] = value
    template = ObligationTemplate(code=code if isinstance(code, str) else "", **values)
    try:
        template.full_clean(validate_unique=False)
    except ValidationError as error:
        errors.extend(_messages(error, where))
    requirements: list[TemplateRequirement] = []
    rows = row.get("requirements")
    if not isinstance(rows, list) or not rows:
        errors.append(f"{where}.requirements: must list at least one requirement")
        return _Parsed(template, requirements)
    labels: set[str] = set()
    for j, req in enumerate(rows):
        at = f"{where}.requirements[{j}]"
        if not isinstance(req, dict):
            errors.append(f"{at}: must be an object with kind, credits and label")
            continue
        try:
            credits = Decimal(str(req.get("credits")))
        except InvalidOperation:
            errors.append(f"{at}.credits: must be a number, not {req.get('credits')!r}")
            continue
        requirement = TemplateRequirement(
            position=j,
            kind=str(req.get("kind") or ""),
            credits=credits,
            label=req.get("label") or "",
            tags=req.get("tags") or [],
        )
        try:
            requirement.full_clean(exclude=["template"], validate_unique=False)
        except ValidationError as error:
            errors.extend(_messages(error, at))
            continue
        if requirement.label in labels:
            errors.append(f'{at}.label: "{requirement.label}" is given twice in this template')
        labels.add(requirement.label)
        requirements.append(requirement)
    return _Parsed(template, requirements)


def templates_parse(document: Any) -> list[_Parsed]:
    """Validate a `cqr-obligation-templates/1` document; ValidationError lists every
    mistake by record and field (e.g. `templates[3] "tx-mrt".requirements[1].credits`)."""
    errors: list[str] = []
    if not isinstance(document, dict) or document.get("format") != TEMPLATES_FORMAT:
        raise ValidationError([f'format: must be "{TEMPLATES_FORMAT}"'])
    rows = document.get("templates")
    if not isinstance(rows, list) or not rows:
        raise ValidationError(["templates: must list at least one template"])
    parsed: list[_Parsed] = []
    codes: dict[str, int] = {}
    for i, row in enumerate(rows):
        result = _parse_template(i, row, errors)
        if result is None:
            continue
        code = result.template.code
        if code in codes:
            errors.append(f'templates[{i}].code: "{code}" is also templates[{codes[code]}]')
        codes[code] = i
        parsed.append(result)
    if errors:
        raise ValidationError(errors)
    return parsed


@transaction.atomic
def templates_load(document: Any, *, replace: bool = False) -> TemplatesLoadSummary:
    """Load the templates of a document: all or nothing.

    A template whose code is not in the database yet is created. One already there is
    left as site staff edited it in the admin, unless `replace`, which overwrites it and
    its requirements with the file's. Templates not in the file are never deleted.
    """
    parsed = templates_parse(document)
    existing = {t.code: t for t in ObligationTemplate.objects.select_for_update()}
    summary = TemplatesLoadSummary()
    for item in parsed:
        new = item.template
        old = existing.get(new.code)
        if old is not None and not replace:
            summary.kept.append(new.code)
            continue
        if old is not None:
            for name in TEMPLATE_FIELDS:
                setattr(old, name, getattr(new, name))
            old.save()
            old.requirements.all().delete()
            template = old
            summary.updated.append(new.code)
        else:
            new.save()
            template = new
            summary.created.append(new.code)
        for requirement in item.requirements:
            requirement.template = template
        TemplateRequirement.objects.bulk_create(item.requirements)
    return summary


def templates_load_file(path: Path | None = None, *, replace: bool = False) -> TemplatesLoadSummary:
    """`templates_load` of a file (default: the shipped obligations/data file)."""
    path = path or DEFAULT_TEMPLATES_FILE
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValidationError([f"{path.name}: not valid JSON ({error})"]) from error
    return templates_load(document, replace=replace)


# --- A technologist's obligations -------------------------------------------------------


def _human(value: dt.date) -> str:
    return f"{value:%b} {value.day}, {value.year}"


def _not_past(field: str, what: str, due: dt.date) -> None:
    today = timezone.localdate()
    if due < today:
        raise ValidationError(
            {
                field: f"{what} was due on {_human(due)}, before today ({_human(today)}); "
                "enter the next due date."
            }
        )


def obligation_add_cqr_window(
    *, owner: Any, discipline: Discipline, starts_on: dt.date | None, ends_on: dt.date
) -> Obligation:
    """Record a CQR compliance window of one credential (one window per credential)."""
    _not_past("ends_on", "The window", ends_on)
    if starts_on is not None and starts_on > ends_on:
        raise ValidationError(
            {
                "starts_on": f"The window starts ({_human(starts_on)}) after it ends "
                f"({_human(ends_on)})."
            }
        )
    if Obligation.objects.filter(owner=owner, kind=Obligation.Kind.CQR, discipline=discipline):
        raise ValidationError(
            {"discipline": f"You already have a CQR window for {discipline.code}."}
        )
    return Obligation.objects.create(
        owner=owner,
        kind=Obligation.Kind.CQR,
        discipline=discipline,
        starts_on=starts_on,
        due_on=ends_on,
    )


def obligation_add(
    *, owner: Any, template: ObligationTemplate, due_on: dt.date, credentials: set[str]
) -> Obligation:
    """Add an obligation picked from a template, due on `due_on`. A template that names
    credentials (MQSA: M; R.R.A.: RRA) needs one of them among `credentials`."""
    if not template.is_active:
        raise ValidationError({"template": f"{template.name} is no longer offered."})
    _not_past("due_on", template.name, due_on)
    needed = set(template.credentials or ())
    if needed and not needed & credentials:
        codes = " or ".join(sorted(needed))
        raise ValidationError(
            {
                "template": f"{template.name} applies to holders of {codes}; add the "
                "credential to your profile first."
            }
        )
    if Obligation.objects.filter(owner=owner, template=template).exists():
        raise ValidationError({"template": f"{template.name} is already in your list."})
    return Obligation.objects.create(
        owner=owner, kind=template.kind, template=template, due_on=due_on
    )


def obligation_delete(*, obligation: Obligation) -> None:
    """Remove an obligation that no prescription is planned with."""
    planned = list(obligation.prescriptions.select_related("outline__discipline"))
    if planned:
        names = ", ".join(str(p) for p in planned)
        raise ValidationError(
            f"{obligation.title} is planned with {names}; take it out of that plan first."
        )
    obligation.delete()
