"""Extra requirements of a prescription (contract §6): biennium, licence and education rules.

Each extra has a kind, credits, and optionally its own deadline (default: the
prescription's), a label (default: its kind) naming it in pages, PDFs and the shortfall,
and for `tag_minimum` the tags whose courses count. The key it is reported under is the
engine's (`core.requirement_keys.requirement_key`, which the solver uses), so pages,
documents and the solver agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from catalog.rules import normal_tags, tags_errors
from core.requirement_keys import requirement_key

EXTRA_KINDS = ("total_ce", "total_discipline", "major_minimum", "tag_minimum")
LABEL_MAX_LENGTH = 120
CENT = Decimal("0.01")

AddError = Callable[[str, str], None]


@dataclass(frozen=True)
class ExtraSpec:
    kind: str
    credits: Decimal
    deadline: date | None = None  # None: the prescription's deadline
    label: str = ""  # "": the default key
    tags: tuple[str, ...] = ()  # tag_minimum only; unique, sorted
    # The obligation it comes from (prescriptions.obligation_extras), "" for the
    # prescription's own; pages group by it, the engine and documents ignore it.
    group: str = field(default="", compare=False)

    def key(self, major: str = "") -> str:
        """The requirement key (one per major for major_minimum)."""
        return requirement_key(self.kind, self.label or None, major)

    def family(self) -> str:
        """The key, or for major_minimum the prefix of its per-major keys (for duplicates)."""
        return self.key("") if self.kind != "major_minimum" else f"{self.label or 'major'}:"

    def document(self) -> dict[str, Any]:
        row: dict[str, Any] = {"kind": self.kind, "credits": f"{self.credits.quantize(CENT):.2f}"}
        if self.deadline is not None:
            row["deadline"] = self.deadline.isoformat()
        if self.label:
            row["label"] = self.label
        if self.kind == "tag_minimum":
            row["tags"] = list(self.tags)
        return row


def parse_extras(
    add: AddError,
    rows: Sequence[Any],
    *,
    issued_on: date | None,
    positive_amount: Callable[[str, Any], Decimal | None],
    read_date: Callable[[str, Any], date | None],
) -> tuple[ExtraSpec, ...]:
    """The `extra` list; every mistake goes to `add(field, message)`, e.g.
    `extra[1].deadline: must be on or after issued_on`."""
    extras: list[ExtraSpec] = []
    first: dict[str, int] = {}
    for i, row in enumerate(rows):
        where = f"extra[{i}]"
        if not isinstance(row, dict):
            add(where, "must be an object with kind and credits")
            continue
        kind = row.get("kind")
        if kind not in EXTRA_KINDS:
            add(
                f"{where}.kind",
                f"unknown kind {_show(kind)} (expected one of {', '.join(EXTRA_KINDS)})",
            )
            kind = None
        credits = positive_amount(f"{where}.credits", row.get("credits"))
        deadline = None
        if row.get("deadline") is not None:
            deadline = read_date(f"{where}.deadline", row["deadline"])
            if deadline is not None and issued_on is not None and deadline < issued_on:
                add(f"{where}.deadline", "must be on or after issued_on")
        label = _label(add, where, row.get("label"))
        tags = _tags(add, where, kind, row.get("tags"))
        if kind is None or credits is None or label is None or tags is None:
            continue
        extra = ExtraSpec(kind, credits, deadline, label, tags)
        family = extra.family()
        if family in first:
            if label:
                add(
                    f"{where}.label",
                    f"{_show(label)} also names extra[{first[family]}]; "
                    "give each requirement its own label",
                )
            else:
                add(
                    f"{where}.kind",
                    f"{kind} is given more than once (also extra[{first[family]}]); "
                    "give each a label",
                )
            continue
        first[family] = i
        extras.append(extra)
    return tuple(extras)


def check_labels(add: AddError, extras: Sequence[ExtraSpec], categories: Sequence[str]) -> None:
    """A label may not be the name of a required category (they share the credits keys)."""
    taken = set(categories)
    for i, extra in enumerate(extras):
        if extra.label and extra.label in taken:
            add(f"extra[{i}].label", f"{_show(extra.label)} is also a required category")


def _label(add: AddError, where: str, value: Any) -> str | None:
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip():
        add(f"{where}.label", "must be a non-empty text")
        return None
    if len(value.strip()) > LABEL_MAX_LENGTH:
        add(f"{where}.label", f"must be at most {LABEL_MAX_LENGTH} characters")
        return None
    return value.strip()


def _tags(add: AddError, where: str, kind: Any, value: Any) -> tuple[str, ...] | None:
    if kind != "tag_minimum":
        if value is not None:
            add(f"{where}.tags", "only a tag_minimum requirement has tags")
            return None
        return ()
    if not isinstance(value, list) or not value:
        add(f"{where}.tags", 'must list at least one course tag (e.g. ["hiv-aids"])')
        return None
    bad = tags_errors(value)
    for j, message in bad:
        add(f"{where}.tags" if j is None else f"{where}.tags[{j}]", message)
    return None if bad else tuple(normal_tags(value))


def _show(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)
