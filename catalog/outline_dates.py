"""Which version of a discipline's outline is in force on a date: the one rule.

Pure functions over plain values (no queries), used by every reader of outline dates:
`catalog.services.outlines_refresh_current` (the cached `OutlineVersion.is_current`),
prescriptions (a prescription is read against the version in force on its `issued_on`)
and `catalog.credits` (the order in which versions follow one another).

The rule (contract §1: "Versions of one discipline with `effective_from` are in force from
that date until the next one's ... the current outline is the one in force today"):

- a version covers the days from its `effective_from` (an undated version: from always)
  to its `effective_until` (none: for ever);
- on a day D, the version in force is, among the versions covering D, the latest in the
  discipline's order: later `effective_from` first (undated versions come before dated
  ones), then the more recently adopted by a catalog import, then the higher version
  label, then the later created;
- when no version covers D (every one starts later or ended earlier), the earliest version
  starting after D is used, else the latest one that ended before it — so a prescription
  always has an outline to be read against.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Protocol, TypeVar


class Dated(Protocol):
    @property
    def pk(self) -> object: ...
    @property
    def effective_from(self) -> date | None: ...
    @property
    def effective_until(self) -> date | None: ...
    @property
    def adopted_at(self) -> datetime | None: ...
    @property
    def version(self) -> str: ...


V = TypeVar("V", bound=Dated)
EARLIEST = datetime.min.replace(tzinfo=UTC)


def order_key(version: Dated) -> tuple[date, datetime, str, int]:
    """A version's place in its discipline's sequence (see the module docstring)."""
    pk = version.pk
    return (
        version.effective_from or date.min,
        version.adopted_at or EARLIEST,
        version.version,
        pk if isinstance(pk, int) else 0,
    )


def in_sequence(versions: Iterable[V]) -> list[V]:
    """One discipline's versions, oldest first."""
    return sorted(versions, key=order_key)


def covers(version: Dated, day: date) -> bool:
    starts = version.effective_from
    ends = version.effective_until
    return (starts is None or starts <= day) and (ends is None or day <= ends)


def in_force(versions: Sequence[V], day: date) -> V | None:
    """The version of one discipline in force on `day` (None only without versions)."""
    ordered = in_sequence(versions)
    covering = [v for v in ordered if covers(v, day)]
    if covering:
        return covering[-1]
    later = [v for v in ordered if v.effective_from is not None and v.effective_from > day]
    if later:
        return later[0]
    return ordered[-1] if ordered else None
