"""Exact CQR course-bundle optimiser (HiGHS MILP).  Pure Python: no Django imports.

See SPEC.md for the interface the rest of the project codes against.
"""

from .least_hours import HoursAdvice, Least, advise_hours, least_hours_per_week
from .model import (
    Bundle,
    Course,
    Exclusion,
    Extra,
    Package,
    Problem,
    Purchase,
    Result,
    ScheduleItem,
    Shortfall,
)
from .solve import solve

__all__ = [
    "Bundle",
    "Course",
    "Exclusion",
    "Extra",
    "HoursAdvice",
    "Least",
    "Package",
    "Problem",
    "Purchase",
    "Result",
    "ScheduleItem",
    "Shortfall",
    "advise_hours",
    "least_hours_per_week",
    "solve",
]
