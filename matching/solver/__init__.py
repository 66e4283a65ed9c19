"""Exact CQR course-bundle optimiser (HiGHS MILP).  Pure Python: no Django imports.

See SPEC.md for the interface the rest of the project codes against.
"""

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
    "Package",
    "Problem",
    "Purchase",
    "Result",
    "ScheduleItem",
    "Shortfall",
    "solve",
]
