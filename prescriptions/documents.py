"""Prescriptions as resolved specs: from `cqr-prescription/1` documents and from model rows.

A `PrescriptionSpec` holds resolved catalog objects (outline, subcategories, courses,
providers) so the matching engine never re-parses names. Parsing collects every mistake
and raises one `PrescriptionInputError` whose messages name the field, e.g.
`required[1].category: unknown category "Foo" for discipline CT`.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django.utils import timezone

from catalog.credits import OutlineNames
from catalog.models import Course as CatalogCourse
from catalog.models import (
    CourseFormat,
    Discipline,
    OutlineVersion,
    Provider,
    Subcategory,
    course_visible_q,
)
from catalog.selectors import outline_in_force
from core.exceptions import ErrorDetail, InputError
from core.jsontext import text_problem
from prescriptions.extras import ExtraSpec, check_labels, parse_extras
from prescriptions.obligation_extras import ObligationInfo

PRESCRIPTION_FORMAT = "cqr-prescription/1"
KINDS = ("cqr", "structured-education")
FORMATS = tuple(choice.value for choice in CourseFormat)
CENT = Decimal("0.01")
_DECIMAL = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class PrescriptionInputError(InputError, ValueError):
    """Invalid prescription input; `.details` holds one ErrorDetail per offending field,
    named by its path in the document (`required[1].category`)."""

    def __init__(self, details: Sequence[ErrorDetail]) -> None:
        super().__init__(details, separator="; ")

    @classmethod
    def at(cls, path: str, message: str) -> PrescriptionInputError:
        """One mistake at `path` of the document."""
        return cls([ErrorDetail.at_path(path, message)])


@dataclass(frozen=True)
class PrescriptionSpec:
    outline: OutlineVersion  # the discipline's version in force on issued_on
    kind: str
    issued_on: date
    deadline: date
    as_of: date
    required: tuple[tuple[Subcategory, Decimal], ...]
    completed: tuple[CatalogCourse, ...] = ()
    owned: tuple[CatalogCourse, ...] = ()
    hours_per_week: Decimal | None = None
    formats: frozenset[str] | None = None  # None = all formats
    exclude_providers: tuple[Provider, ...] = ()
    extras: tuple[ExtraSpec, ...] = ()
    # The last day of the technologist's CE biennium (§7.1, with a total_ce extra).
    biennium_ends_on: date | None = None
    # The technologist whose own (private) courses are candidates too; None for a
    # document planned without an account (the recommend command): catalog only.
    owner_id: int | None = None
    # The obligations planned with it (their requirements are among `extras`).
    obligations: tuple[ObligationInfo, ...] = field(default=(), compare=False)

    @property
    def discipline(self) -> Discipline:
        return self.outline.discipline

    @cached_property
    def subcategory_names(self) -> OutlineNames:
        """The discipline's subcategory names of every outline version, read against the
        spec's outline (`catalog.credits`), loaded once per spec (the bundles page, the
        plan, its PDF and the solver's problem each need them)."""
        return OutlineNames(target=self.outline)

    @property
    def plan_deadline(self) -> date:
        """The date every planned course must be done by: the deadline, or the end of the
        biennium when a total_ce requirement has to be met before an earlier date."""
        if self.biennium_ends_on is not None and self.biennium_ends_on < self.deadline:
            return self.biennium_ends_on
        return self.deadline

    @property
    def deadline_from_biennium(self) -> bool:
        return self.plan_deadline != self.deadline


# ---------------------------------------------------------------------------------------
# Scalars
# ---------------------------------------------------------------------------------------


def parse_amount(value: Any) -> Decimal | None:
    """A JSON number or decimal string with at most two places -> Decimal, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):  # JSON parsed with parse_float=Decimal (the API does)
        value = str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = repr(value)
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value.strip()):
        return None
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None
    if not amount.is_finite() or _places(amount) > 2:
        return None
    return amount


def _places(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 99


def _parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


class FieldErrors:
    """The mistakes found in a document, each at its path (`required[1].category`)."""

    def __init__(self) -> None:
        self.found: list[tuple[str, ErrorDetail]] = []

    def add(self, field: str, message: str) -> None:
        self.found.append((field, ErrorDetail.at_path(field, message)))

    def raise_if_any(self) -> None:
        if self.found:
            raise PrescriptionInputError(document_order(self.found))


_FIELD_PATH = re.compile(r"(?P<key>\w+)(?:\[(?P<index>\d+)\])?")


def document_order(found: Sequence[tuple[str, ErrorDetail]]) -> list[ErrorDetail]:
    """(path, detail) errors in the order of the document: keys in the order their first
    error was found, rows of a list by index (required[0] before required[1], although
    the name of row 1 may fail before row 0's subcategory is looked up)."""
    first: dict[str, int] = {}
    keyed: list[tuple[int, int, int, ErrorDetail]] = []
    for position, (path, detail) in enumerate(found):
        match = _FIELD_PATH.match(path)
        key = match.group("key") if match else ""
        index = int(match.group("index")) if match and match.group("index") else -1
        keyed.append((first.setdefault(key, position), index, position, detail))
    return [detail for *_, detail in sorted(keyed, key=lambda item: item[:3])]


def _positive_amount(errors: FieldErrors, field: str, value: Any) -> Decimal | None:
    amount = parse_amount(value)
    if amount is None or amount <= 0:
        errors.add(field, "must be a positive number with at most 2 decimal places")
        return None
    if amount >= Decimal("10000000"):
        errors.add(field, "is too large")
        return None
    return amount


def _required_date(errors: FieldErrors, document: Mapping[str, Any], field: str) -> date | None:
    if document.get(field) is None:
        errors.add(field, "is required (an ISO date YYYY-MM-DD)")
        return None
    parsed = _parse_date(document[field])
    if parsed is None:
        errors.add(field, f"must be an ISO date YYYY-MM-DD, not {json_repr(document[field])}")
    return parsed


def json_repr(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _list_field(errors: FieldErrors, document: Mapping[str, Any], field: str) -> list[Any]:
    value = document.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(field, "must be a list")
        return []
    return value


# ---------------------------------------------------------------------------------------
# Course codes ("code" or "provider/code")
# ---------------------------------------------------------------------------------------


def _resolve_course_codes(
    errors: FieldErrors, field: str, values: list[Any], owner_id: int | None = None
) -> tuple[CatalogCourse, ...]:
    """Active courses by code; "provider/code" disambiguates a code several providers use.
    With `owner_id`, that technologist's own courses resolve too (nobody else's)."""
    wanted: dict[int, tuple[str, str]] = {}
    for i, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            errors.add(f"{field}[{i}]", "must be a course code")
            continue
        text = value.strip()
        provider, _, code = text.rpartition("/")
        wanted[i] = (provider, code)
    # A plain code may itself contain "/": look up both readings.
    codes = {code for _, code in wanted.values()} | {values[i].strip() for i in wanted}
    by_code: dict[str, list[CatalogCourse]] = defaultdict(list)
    for course in CatalogCourse.all_courses.filter(
        course_visible_q(owner_id), code__in=codes, is_active=True
    ).select_related("provider"):
        by_code[course.code].append(course)
    found: list[CatalogCourse] = []
    seen: set[int] = set()
    for i, (provider, code) in wanted.items():
        text = values[i].strip()
        matches = list(by_code.get(text, []))
        if not matches and provider:
            matches = [c for c in by_code.get(code, []) if c.provider_code_label == provider]
        if not matches:
            errors.add(f"{field}[{i}]", f"unknown course code {json_repr(text)}")
        elif len(matches) > 1:
            providers = ", ".join(sorted(c.provider_code_label for c in matches))
            errors.add(
                f"{field}[{i}]",
                f"course code {json_repr(text)} is ambiguous (providers {providers}); "
                f'write it as "provider/code"',
            )
        elif matches[0].id not in seen:
            seen.add(matches[0].id)
            found.append(matches[0])
    return tuple(found)


def course_document_codes(courses: Iterable[CatalogCourse]) -> list[str]:
    """Codes for a document: the plain code, or "provider/code" when several active
    courses share it (one query)."""
    courses = list(courses)
    counts: dict[str, int] = defaultdict(int)
    for code in CatalogCourse.objects.filter(
        code__in={c.code for c in courses}, is_active=True
    ).values_list("code", flat=True):
        counts[code] += 1
    return [c.code if counts[c.code] <= 1 else f"{c.provider_code_label}/{c.code}" for c in courses]


# ---------------------------------------------------------------------------------------
# Document -> spec
# ---------------------------------------------------------------------------------------


def prescription_spec_from_document(
    document: Any, *, owner_id: int | None = None
) -> PrescriptionSpec:
    """Parse and resolve a `cqr-prescription/1` document (contract §2 and §6). With
    `owner_id` (the technologist saving it), `completed` and `owned` may name their own
    courses; without it (the recommend command), catalog courses only."""
    errors = FieldErrors()
    if not isinstance(document, dict):
        raise PrescriptionInputError.at("document", "must be a JSON object")
    problem = text_problem(document)
    if problem:
        raise PrescriptionInputError.at(*problem)
    if document.get("format") != PRESCRIPTION_FORMAT:
        errors.add(
            "format",
            f'must be "{PRESCRIPTION_FORMAT}", not {json_repr(document.get("format"))}',
        )
        errors.raise_if_any()

    kind = document.get("kind") or "cqr"
    if kind not in KINDS:
        errors.add("kind", f"unknown kind {json_repr(kind)} (expected cqr or structured-education)")
    issued_on = _required_date(errors, document, "issued_on")
    outline = _outline_in_force(errors, document.get("discipline"), issued_on)
    deadline = _required_date(errors, document, "deadline")
    if issued_on and deadline and deadline < issued_on:
        errors.add("deadline", "must be on or after issued_on")
    as_of: date | None = timezone.localdate()
    if document.get("as_of") is not None:
        as_of = _required_date(errors, document, "as_of")

    extra_rows = _list_field(errors, document, "extra")
    extras = parse_extras(
        errors.add,
        extra_rows,
        issued_on=issued_on,
        positive_amount=lambda field, value: _positive_amount(errors, field, value),
        read_date=lambda field, value: _required_date(errors, {field: value}, field),
    )
    biennium_ends_on = _parse_biennium_end(errors, document, issued_on, extra_rows)
    required_raw = _list_field(errors, document, "required")
    if not required_raw and not extras and isinstance(document.get("required", []), list):
        errors.add("required", "must list at least one {category, credits} unless extra is given")
    required = _parse_required(errors, outline, required_raw)
    check_labels(errors.add, extras, [sub.name for sub, _ in required])

    completed = _resolve_course_codes(
        errors, "completed", _list_field(errors, document, "completed"), owner_id
    )
    owned = _resolve_course_codes(errors, "owned", _list_field(errors, document, "owned"), owner_id)
    hours = None
    if document.get("hours_per_week") is not None:
        hours = _positive_amount(errors, "hours_per_week", document["hours_per_week"])
    formats = parse_formats(errors, document.get("formats"))
    excluded = _parse_providers(errors, _list_field(errors, document, "exclude_providers"))
    errors.raise_if_any()
    assert outline is not None and issued_on and deadline and as_of
    return PrescriptionSpec(
        outline=outline,
        owner_id=owner_id,
        kind=kind,
        issued_on=issued_on,
        deadline=deadline,
        as_of=as_of,
        required=required,
        completed=completed,
        owned=owned,
        hours_per_week=hours,
        formats=formats,
        exclude_providers=excluded,
        extras=extras,
        biennium_ends_on=biennium_ends_on,
    )


def _parse_biennium_end(
    errors: FieldErrors,
    document: Mapping[str, Any],
    issued_on: date | None,
    extra_rows: list[Any],
) -> date | None:
    """`biennium_ends_on` (§7.1): only with a total_ce extra, on or after issued_on.
    (A total_ce row with bad credits still counts here: its own message says what.)"""
    if document.get("biennium_ends_on") is None:
        return None
    ends_on = _required_date(errors, document, "biennium_ends_on")
    if ends_on is None:
        return None
    if not any(isinstance(row, dict) and row.get("kind") == "total_ce" for row in extra_rows):
        errors.add("biennium_ends_on", "applies only with a total_ce extra requirement")
        return None
    if issued_on and ends_on < issued_on:
        errors.add("biennium_ends_on", "must be on or after issued_on")
    return ends_on


def _outline_in_force(
    errors: FieldErrors, code: Any, issued_on: date | None
) -> OutlineVersion | None:
    """The discipline's outline version in force on `issued_on` (contract §1; today when
    issued_on is unreadable, which is reported on its own)."""
    if not isinstance(code, str) or not code.strip():
        errors.add("discipline", "is required (a discipline code such as CT)")
        return None
    outline = outline_in_force(code=code, on=issued_on or timezone.localdate())
    if outline is None:
        if Discipline.objects.filter(code__iexact=code.strip()).exists():
            errors.add("discipline", f"discipline {code} has no current content outline")
        else:
            errors.add("discipline", f"unknown discipline {json_repr(code)}")
    return outline


def _parse_required(
    errors: FieldErrors, outline: OutlineVersion | None, rows: list[Any]
) -> tuple[tuple[Subcategory, Decimal], ...]:
    parsed: list[tuple[int, str, Decimal | None]] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            errors.add(f"required[{i}]", "must be an object with category and credits")
            continue
        name = row.get("category")
        if not isinstance(name, str) or not name.strip():
            errors.add(f"required[{i}].category", "is required (a subcategory name)")
            name = None
        credits = _positive_amount(errors, f"required[{i}].credits", row.get("credits"))
        if name is not None:
            parsed.append((i, name, credits))
    if outline is None or not parsed:
        return ()
    names = OutlineNames(target=outline)
    ids = {name: names.resolve(name.strip()) for _, name, _ in parsed}
    subs = Subcategory.objects.select_related("outline", "major").in_bulk(
        [sub_id for sub_id in ids.values() if sub_id is not None]
    )
    result: list[tuple[Subcategory, Decimal]] = []
    first_for: dict[str, int] = {}
    for i, name, credits in parsed:
        sub_id = ids[name]
        sub = subs.get(sub_id) if sub_id is not None else None
        if sub is None:
            errors.add(
                f"required[{i}].category",
                f"unknown category {json_repr(name)} for discipline {outline.discipline.code}",
            )
            continue
        key = names.canonical(sub.id) or sub.name
        if key in first_for:
            errors.add(
                f"required[{i}].category",
                f"{json_repr(name)} names the same subcategory as required[{first_for[key]}]",
            )
            continue
        first_for[key] = i
        if credits is not None:
            result.append((sub, credits))
    return tuple(result)


def parse_formats(errors: FieldErrors, value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        errors.add("formats", "must be a list of course formats")
        return None
    if not value:
        errors.add("formats", "must name at least one format (leave it out to allow all)")
        return None
    formats: set[str] = set()
    for i, item in enumerate(value):
        if item not in FORMATS:
            errors.add(
                f"formats[{i}]",
                f"unknown format {json_repr(item)} (expected one of {', '.join(FORMATS)})",
            )
        else:
            formats.add(item)
    return None if formats == set(FORMATS) else frozenset(formats)


def _parse_providers(errors: FieldErrors, values: list[Any]) -> tuple[Provider, ...]:
    codes = [v.strip() for v in values if isinstance(v, str)]
    providers = {p.code: p for p in Provider.objects.filter(code__in=codes)}
    found: list[Provider] = []
    for i, value in enumerate(values):
        if not isinstance(value, str) or value.strip() not in providers:
            errors.add(f"exclude_providers[{i}]", f"unknown provider {json_repr(value)}")
        elif providers[value.strip()] not in found:
            found.append(providers[value.strip()])
    return tuple(found)


# ---------------------------------------------------------------------------------------
# Spec -> document
# ---------------------------------------------------------------------------------------


def prescription_document_from_spec(spec: PrescriptionSpec) -> dict[str, Any]:
    """The `cqr-prescription/1` document of a spec (parses back to an equal spec)."""
    document: dict[str, Any] = {
        "format": PRESCRIPTION_FORMAT,
        "kind": spec.kind,
        "discipline": spec.outline.discipline.code,
        "issued_on": spec.issued_on.isoformat(),
        "deadline": spec.deadline.isoformat(),
        "as_of": spec.as_of.isoformat(),
        "required": [
            {"category": sub.name, "credits": f"{credits.quantize(CENT):.2f}"}
            for sub, credits in spec.required
        ],
        "completed": course_document_codes(spec.completed),
        "owned": course_document_codes(spec.owned),
        "exclude_providers": [p.code for p in spec.exclude_providers],
    }
    if spec.hours_per_week is not None:
        document["hours_per_week"] = f"{spec.hours_per_week.quantize(CENT):.2f}"
    if spec.formats is not None:
        document["formats"] = [f for f in FORMATS if f in spec.formats]
    if spec.extras:
        document["extra"] = [extra.document() for extra in spec.extras]
    if spec.biennium_ends_on is not None:
        document["biennium_ends_on"] = spec.biennium_ends_on.isoformat()
    return document
