"""Suggested study schedule of a plan (earliest due first, h hours a week from T)."""

from __future__ import annotations

from datetime import date, timedelta

from .instance import Instance
from .model import ScheduleItem
from .plan import Plan


def order(inst: Instance, plan: Plan) -> list[int]:
    """Earliest due first; ties: shorter first, then code."""
    return sorted(
        plan.taken,
        key=lambda i: (plan.done_day(inst, i), int(inst.hours[i]), inst.courses[i].code),
    )


def days_to_study(hours: int, per_week: int) -> int:
    """Whole days needed to study `hours` at `per_week` a week (both hundredths)."""
    if hours <= 0:
        return 0
    if per_week <= 0:
        raise ValueError("positive hours cannot be studied at zero hours a week")
    return -(-7 * hours // per_week)  # ceil(7 * hours / per_week), exact in integers


def schedule(inst: Instance, plan: Plan) -> tuple[ScheduleItem, ...]:
    """One item per course.  With h hours a week, the course starts when the earlier ones
    are done and finishes after its own hours; slack is the days left to its due date.
    Under the weekly-hours rule every slack is >= 0 (earliest-due-first is optimal for
    meeting due dates, and the rule bounds exactly the prefix loads it creates)."""
    t = inst.problem.as_of
    h = inst.problem.hours_per_week
    items: list[ScheduleItem] = []
    cumulative = 0
    for i in order(inst, plan):
        before = cumulative
        cumulative += int(inst.hours[i])
        due = t + timedelta(days=plan.done_day(inst, i))
        start: date | None = None
        finish: date | None = None
        slack: int | None = None
        if h is not None:
            # Studying starts on T; the first day of study for this course is the day
            # the earlier courses' hours run out (floor), it ends on the ceil day.
            start = t + timedelta(days=(7 * before // h) if h > 0 else 0)
            finish = t + timedelta(days=days_to_study(cumulative, h))
            slack = (due - finish).days
        items.append(
            ScheduleItem(
                course=inst.courses[i].code,
                complete_by=due,
                start_by=start,
                cumulative_hours=cumulative,
                slack_days=slack,
                finish_by=finish,
            )
        )
    return tuple(items)


def least_slack(items: tuple[ScheduleItem, ...]) -> int | None:
    slacks = [item.slack_days for item in items if item.slack_days is not None]
    return min(slacks) if slacks else None
