"""The records of a `cqr-catalog/1` file read into plain values (providers, courses with their
distribution and tags, packages), every problem collected as a field error; no queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from catalog.importers.values import (
    ErrorList,
    FieldError,
    read_bool,
    read_date,
    read_not_negative,
    read_positive,
    read_slug,
    read_text,
    read_url,
    show,
)
from catalog.models import (
    DEFAULT_MINUTES_PER_CREDIT,
    CourseFormat,
)
from catalog.rules import normal_tags, tags_errors
from core.money import CENT

TOP, OUTLINES, PROVIDERS, COURSES, PACKAGES = range(5)  # error ordering: file order
FORMATS = frozenset(CourseFormat.values)
T = TypeVar("T")


def record_label(section: str, index: int, record: object) -> str:
    """How an error names a record: its section and position, and its code when it has one."""
    code = record.get("code") if isinstance(record, dict) else None
    if isinstance(code, str):
        return f'{section}[{index}] (code "{code}")'
    return f"{section}[{index}]"


def record_names(section: str, index: int, record: object) -> frozenset[str]:
    """Every `ErrorDetail.record` an import error about this record may carry: its label,
    or its bare position from the text check that runs before records are read
    (`courses[3].title: contains a NUL character`)."""
    return frozenset({record_label(section, index, record), f"{section}[{index}]"})


# --- Records as read from the file ---------------------------------------------------------


@dataclass
class ProviderIn:
    index: int
    code: str
    name: str | None
    url: str | None


@dataclass
class DistributionIn:
    index: int
    discipline: str
    category: str
    credits: Decimal | None  # None: unreadable (already reported); still resolved
    # What the rows summing to at most ce_credits are grouped by: the discipline, or
    # "BS 2022" for a row on an older outline version (one tagging per version).
    group: str = ""


@dataclass
class CourseIn:
    index: int
    label: str
    provider: str
    code: str
    values: dict[str, Any]  # model field -> value, for the fields this record sets
    bad_fields: set[str]
    distribution: list[DistributionIn]
    resolved: dict[int, Decimal] = field(default_factory=dict)  # subcategory id -> credits

    @property
    def key(self) -> tuple[str, str]:
        return (self.provider, self.code)


@dataclass
class PackageIn:
    index: int
    label: str
    provider: str
    code: str
    values: dict[str, Any]
    members: list[str]
    member_keys: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.provider, self.code)


class _Reader:
    """Reads one record's fields, recording an error per bad field."""

    def __init__(self, errors: ErrorList, position: tuple[int, int], label: str) -> None:
        self.errors, self.position, self.label = errors, position, label
        self.bad: set[str] = set()

    def fail(self, name: str, message: str) -> None:
        self.errors.fail(self.position, self.label, name, message)
        self.bad.add(name.split("[", 1)[0].split(".", 1)[0])

    def read(
        self, record: dict[str, Any], name: str, reader: Callable[[Any], T], prefix: str = ""
    ) -> T | None:
        if name not in record:
            self.fail(prefix + name, "is required")
            return None
        try:
            return reader(record[name])
        except FieldError as exc:
            self.fail(prefix + name, str(exc))
            return None

    def optional(self, record: dict[str, Any], name: str, reader: Callable[[Any], T]) -> T | None:
        try:
            return reader(record.get(name))
        except FieldError as exc:
            self.fail(name, str(exc))
            return None


def _read_format(value: object) -> str:
    if value not in FORMATS:
        allowed = ", ".join(sorted(FORMATS))
        raise FieldError(f"must be one of {allowed}, not {show(value)}")
    return str(value)


def _optional(reader: Callable[[Any], T]) -> Callable[[Any], T | None]:
    return lambda value: None if value is None else reader(value)


def read_provider(record: object, index: int, errors: ErrorList) -> ProviderIn | None:
    label = record_label("providers", index, record)
    if not isinstance(record, dict):
        errors.fail((PROVIDERS, index), label, "", f"must be an object, not {show(record)}")
        return None
    r = _Reader(errors, (PROVIDERS, index), label)
    code = r.read(record, "code", lambda v: read_slug(v, max_length=60))
    name = r.optional(record, "name", _optional(lambda v: read_text(v, max_length=200)))
    url = r.optional(record, "url", _optional(lambda v: read_url(v, max_length=200)))
    if code is None:
        return None  # other bad fields are reported; the code still counts as declared
    return ProviderIn(index=index, code=code, name=name, url=url)


def read_course(record: object, index: int, errors: ErrorList) -> CourseIn | None:
    label = record_label("courses", index, record)
    if not isinstance(record, dict):
        errors.fail((COURSES, index), label, "", f"must be an object, not {show(record)}")
        return None
    r = _Reader(errors, (COURSES, index), label)
    code = r.read(record, "code", lambda v: read_text(v, max_length=100))
    provider = r.read(record, "provider", lambda v: read_slug(v, max_length=60))
    values: dict[str, Any] = {
        "title": r.read(record, "title", lambda v: read_text(v, max_length=300)),
        "format": r.read(record, "format", _read_format),
        "price": r.optional(record, "price", _optional(read_not_negative)),
        "ce_credits": r.read(record, "ce_credits", read_positive),
        "hours": r.optional(record, "hours", _optional(read_not_negative)),
        "approval_expires": r.optional(record, "approval_expires", read_date),
        "event_date": r.optional(record, "event_date", read_date),
        "url": r.optional(record, "url", lambda v: read_url(v, max_length=500)),
    }
    # Optional extensions: absent keys keep the stored value (new rows get the default).
    if record.get("arrt_activity_id") is not None:
        values["arrt_activity_id"] = r.optional(
            record, "arrt_activity_id", lambda v: read_text(v, max_length=60, required=False)
        )
    for flag in ("cqr_eligible", "is_active"):
        if record.get(flag) is not None:
            values[flag] = r.optional(record, flag, read_bool)
    if values["hours"] is None and isinstance(values["ce_credits"], Decimal):
        minutes = values["ce_credits"] * DEFAULT_MINUTES_PER_CREDIT
        values["hours"] = (minutes / 60).quantize(CENT, rounding=ROUND_HALF_UP)
    if record.get("tags") is not None:  # absent: the stored tags stay (new rows: none)
        values["tags"] = _read_tags(record["tags"], r)
    distribution = _read_distribution(record.get("distribution"), r)
    if code is None or provider is None:
        return None
    return CourseIn(
        index=index,
        label=label,
        provider=provider,
        code=code,
        values=values,
        bad_fields=r.bad,
        distribution=distribution,
    )


def _read_tags(raw: object, r: _Reader) -> list[str]:
    """`tags`: a list of lower-case tags, stored unique and sorted."""
    if not isinstance(raw, list):
        r.fail("tags", f"must be a list of lower-case tags, not {show(raw)}")
        return []
    bad = tags_errors(raw)
    for i, message in bad:
        if i is None:
            r.fail("tags", message)
        else:
            r.fail(f"tags[{i}]", f"{message}, not {show(raw[i])}")
    return [] if bad else normal_tags(raw)


def _read_distribution(raw: object, r: _Reader) -> list[DistributionIn]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        r.fail("distribution", f"must be a list, not {show(raw)}")
        return []
    rows = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            r.fail(f"distribution[{i}]", f"must be an object, not {show(item)}")
            continue
        prefix = f"distribution[{i}]."
        discipline = r.read(item, "discipline", lambda v: read_text(v, max_length=8), prefix)
        category = r.read(item, "category", lambda v: read_text(v, max_length=200), prefix)
        credits = r.read(item, "credits", read_positive, prefix)
        if discipline is None or category is None:
            continue
        rows.append(DistributionIn(i, discipline, category, credits))
    return rows


def read_package(record: object, index: int, errors: ErrorList) -> PackageIn | None:
    label = record_label("packages", index, record)
    if not isinstance(record, dict):
        errors.fail((PACKAGES, index), label, "", f"must be an object, not {show(record)}")
        return None
    r = _Reader(errors, (PACKAGES, index), label)
    code = r.read(record, "code", lambda v: read_text(v, max_length=100))
    provider = r.read(record, "provider", lambda v: read_slug(v, max_length=60))
    values: dict[str, Any] = {
        "title": r.read(record, "title", lambda v: read_text(v, max_length=300)),
        "price": r.read(record, "price", read_not_negative),
    }
    if record.get("is_active") is not None:
        values["is_active"] = r.optional(record, "is_active", read_bool)
    members = r.read(record, "courses", lambda v: _read_members(v, r))
    if code is None or provider is None or members is None:
        return None  # with other bad fields it still sells its members (fewer false errors)
    return PackageIn(index, label, provider, code, values, members)


def _read_members(raw: object, r: _Reader) -> list[str]:
    if not isinstance(raw, list):
        raise FieldError(f"must be a list of course codes, not {show(raw)}")
    seen: dict[str, int] = {}
    for i, code in enumerate(raw):
        if not isinstance(code, str) or not code:
            r.fail(f"courses[{i}]", f"must be a course code, not {show(code)}")
        elif code in seen:
            r.fail(f"courses[{i}]", f'course "{code}" is listed twice (also courses[{seen[code]}])')
        else:
            seen[code] = i
    return list(seen)
