"""Plain data in and out of the prescription-text parser (no Django)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class DisciplineName:
    """A discipline the text may name, by code (e.g. "CT") or name ("Computed Tomography")."""

    code: str
    name: str


@dataclass(frozen=True)
class OutlineSubcategory:
    """A subcategory as the portal spells it, with the other names that resolve to it
    (aliases and older versions' wording)."""

    name: str
    major: str
    other_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outline:
    """One discipline's outline as the parser sees it.

    `majors` are the major category names (of the current and older versions): a line
    naming only one of them is reported as such, never matched to a subcategory.
    """

    discipline: DisciplineName
    subcategories: tuple[OutlineSubcategory, ...]
    majors: tuple[str, ...] = ()


class Confidence(enum.Enum):
    """How sure a match is, in words a technologist can read."""

    EXACT = "exact"  # the same words, ignoring case, punctuation and "&"
    HIGH = "high"  # a letter or two differ
    MEDIUM = "medium"  # close, worth a look

    @property
    def label(self) -> str:
        return {
            Confidence.EXACT: "Exact match",
            Confidence.HIGH: "Very likely (a letter or two differ)",
            Confidence.MEDIUM: "Probably — please check",
        }[self]


class Unmatched(enum.Enum):
    """Why a line with a credit amount matched no subcategory."""

    MAJOR_ONLY = "names only a major category"
    NOT_CLOSE = "no subcategory close enough"
    AMBIGUOUS = "close to more than one subcategory"


@dataclass(frozen=True)
class ParsedLine:
    """One line of the text that carries a credit amount."""

    line: str  # the original line, stripped of surrounding whitespace
    line_number: int  # 1-based, in the text
    credits: Decimal  # two decimal places
    name_text: str  # what was left once credits, bullets and separators were removed
    subcategory: str | None  # portal spelling, or None when unmatched
    major: str | None
    score: float  # 0-100 similarity of the best candidate
    confidence: Confidence | None
    unmatched_reason: Unmatched | None
    matched_name: str | None = None  # the alias/older name it matched through, if not the name
    runner_up: str | None = None  # the second-best subcategory, for a reviewer
    # An unmatched line's best subcategory when it is as close as a match must be
    # (match.THRESHOLD), to suggest; None when no subcategory comes close.
    closest: str | None = None

    @property
    def matched(self) -> bool:
        return self.subcategory is not None


@dataclass(frozen=True)
class ParsedDates:
    deadline: date | None = None
    window_start: date | None = None
    window_end: date | None = None
    issued_on: date | None = None


@dataclass(frozen=True)
class ParseResult:
    discipline: DisciplineName | None
    dates: ParsedDates
    lines: tuple[ParsedLine, ...] = field(default=())

    @property
    def matched(self) -> tuple[ParsedLine, ...]:
        return tuple(line for line in self.lines if line.matched)

    @property
    def unmatched(self) -> tuple[ParsedLine, ...]:
        return tuple(line for line in self.lines if not line.matched)
