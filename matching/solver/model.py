"""Input and output types of the solver (see SPEC.md).

Everything is an int in hundredths (credits, hours) or cents (money); dates are
`datetime.date`.  The dataclasses are frozen so a Problem can be shared between threads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

FORMATS = frozenset({"online", "home-study", "webinar", "live"})
EXTRA_KINDS = frozenset({"total_ce", "total_discipline", "major_minimum", "tag_minimum"})

# Result.status values.  "timeout" means the time limit stopped HiGHS before it found
# any plan and before it could prove that none exists (never reported as infeasible).
OPTIMAL = "optimal"
FEASIBLE = "feasible"
INFEASIBLE = "infeasible"
TIMEOUT = "timeout"


@dataclass(frozen=True)
class Course:
    code: str
    provider: str
    price: int | None  # cents; None = sold only inside packages
    hours: int  # hundredths of an hour
    ce_credits: int  # hundredths
    credits: Mapping[str, int]  # subcategory -> hundredths (all rows of the discipline)
    format: str
    approval_expires: date | None = None
    event_date: date | None = None
    title: str = ""
    tags: frozenset[str] = frozenset()  # topic/approval tags (tag_minimum, exact match)


@dataclass(frozen=True)
class Package:
    code: str
    provider: str
    price: int  # cents
    courses: tuple[str, ...]
    title: str = ""


@dataclass(frozen=True)
class Extra:
    kind: str  # total_ce | total_discipline | major_minimum | tag_minimum
    credits: int  # hundredths
    deadline: date | None = None  # None: the Problem's deadline
    label: str | None = None  # names its requirement key(s); None: the default key
    tags: frozenset[str] = frozenset()  # tag_minimum: courses carrying any of these count


@dataclass(frozen=True)
class Problem:
    required: Mapping[str, int]  # subcategory -> hundredths, before subtracting completed
    courses: tuple[Course, ...]
    as_of: date  # planning date T
    deadline: date  # D
    packages: tuple[Package, ...] = ()
    hours_per_week: int | None = None  # hundredths
    formats: frozenset[str] | None = None  # None = all formats
    exclude_providers: frozenset[str] = frozenset()
    completed: frozenset[str] = frozenset()
    owned: frozenset[str] = frozenset()
    extras: tuple[Extra, ...] = ()
    majors: Mapping[str, str] = field(default_factory=dict)  # subcategory -> major category
    alternatives: int = 0
    time_limit: float = 20.0  # seconds, whole solve


@dataclass(frozen=True)
class Purchase:
    kind: str  # "course" | "package"
    code: str
    price: int


@dataclass(frozen=True)
class ScheduleItem:
    course: str
    complete_by: date  # the course's due date
    start_by: date | None  # suggested start when studying h hours a week from T
    cumulative_hours: int  # hours of this and all earlier courses of the schedule
    slack_days: int | None  # days between the suggested finish and complete_by
    finish_by: date | None = None  # suggested finish (None without hours_per_week)


@dataclass(frozen=True)
class Bundle:
    rank: int
    label: str
    price: int
    price_delta: int
    hours: int
    ce_credits: int
    purchases: tuple[Purchase, ...]
    courses: tuple[str, ...]  # in schedule order
    credits: Mapping[str, int]
    schedule: tuple[ScheduleItem, ...]
    slack_days: int | None


@dataclass(frozen=True)
class Shortfall:
    category: str
    required: int
    available: int


@dataclass(frozen=True)
class Exclusion:
    course: str
    reason: str


@dataclass(frozen=True)
class Result:
    status: str  # optimal | feasible | infeasible | timeout
    gap: float | None
    bundles: tuple[Bundle, ...]
    shortfall: tuple[Shortfall, ...]
    exclusions: tuple[Exclusion, ...]
    remaining: Mapping[str, int]
    stats: Mapping[str, object]
