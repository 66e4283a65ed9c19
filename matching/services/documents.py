"""The solver's Result as a `cqr-recommendation/1` document (contract §3, plus the
extensions in docs/exchange-format.md), and the error document."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from core.money import format_amount
from matching.solver import HoursAdvice, Least, Problem, Result

RECOMMENDATION_FORMAT = "cqr-recommendation/1"


# Reasons that explain an infeasible prescription (the rest are bookkeeping).
EXPLAINING_REASONS = (
    "deadline",
    "approval expired",
    "event date",
    "format",
    "excluded provider",
    "weekly hours",
    "not sold",
)


MAX_LISTED_EXCLUSIONS = 100


def recommendation_document(*, result: Result, problem: Problem) -> dict[str, Any]:
    """Contract §3 document, decimals as strings; extensions per docs/exchange-format.md."""
    if result.status == "timeout":
        return recommendation_error_document(
            "the time limit was reached before any plan was found "
            f"({problem.time_limit:g} s); try a longer --time-limit",
            reason="timeout",
        )
    document: dict[str, Any] = {
        "format": RECOMMENDATION_FORMAT,
        "status": result.status,
    }
    if result.status == "feasible":
        document["gap"] = round(result.gap, 6) if result.gap is not None else None
    document["bundles"] = [_bundle_document(bundle) for bundle in result.bundles]
    document["shortfall"] = [
        {
            "category": item.category,
            "required": format_amount(item.required),
            "available": format_amount(item.available),
        }
        for item in result.shortfall
    ]
    if result.status == "infeasible":
        exclusions = _explaining_exclusions(result, problem)
        reasons: dict[str, int] = defaultdict(int)
        for _, reason in exclusions:
            reasons[reason] += 1
        document["reasons"] = [
            {"reason": reason, "courses": reasons[reason]}
            for reason in sorted(reasons, key=lambda r: (-reasons[r], r))
        ]
        document["exclusions"] = [
            {"course": code, "reason": reason}
            for code, reason in exclusions[:MAX_LISTED_EXCLUSIONS]
        ]
    return document


def least_hours_document(advice: HoursAdvice, problem: Problem) -> dict[str, Any]:
    """`least_hours_per_week` of an infeasible answer with `hours_per_week` (an extension,
    docs/exchange-format.md §7.2): the least weekly hours that make a plan possible, the
    same with every format allowed, and starting later."""

    def least(item: Least) -> dict[str, Any]:
        hours = item.hours_per_week
        return {
            "hours_per_week": format_amount(hours) if hours is not None else None,
            "proven": item.proven,
        }

    document = least(advice.least)
    if advice.all_formats is not None:
        added = advice.all_formats.formats - (problem.formats or frozenset())
        document["all_formats"] = {**least(advice.all_formats), "formats": sorted(added)}
    document["later_start"] = {"as_of": advice.later_start.isoformat(), **least(advice.later)}
    return document


def recommendation_error_document(message: str, *, reason: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": RECOMMENDATION_FORMAT,
        "status": "error",
        "message": message,
        "bundles": [],
        "shortfall": [],
    }
    if reason:
        document["reason"] = reason
    return document


def _bundle_document(bundle: Any) -> dict[str, Any]:
    schedule: list[dict[str, Any]] = []
    for item in bundle.schedule:
        entry: dict[str, Any] = {"course": item.course, "complete_by": item.complete_by.isoformat()}
        if item.start_by is not None:
            entry["start_by"] = item.start_by.isoformat()
        if getattr(item, "finish_by", None) is not None:
            entry["finish_by"] = item.finish_by.isoformat()
        if item.slack_days is not None:
            entry["slack_days"] = item.slack_days
        schedule.append(entry)
    return {
        "rank": bundle.rank,
        "label": bundle.label,
        "price": format_amount(bundle.price),
        "price_delta": format_amount(bundle.price_delta),
        "hours": format_amount(bundle.hours),
        "ce_credits": format_amount(bundle.ce_credits),
        "purchases": [
            {"kind": p.kind, "code": p.code, "price": format_amount(p.price)}
            for p in bundle.purchases
        ],
        "courses": list(bundle.courses),
        "credits": {key: format_amount(value) for key, value in bundle.credits.items()},
        "schedule": schedule,
        "slack_days": bundle.slack_days,
    }


def _explaining_exclusions(result: Result, problem: Problem) -> list[tuple[str, str]]:
    """Exclusions that removed a course able to help a short category, most useful first."""
    short = {item.category for item in result.shortfall}
    helps_short = {
        course.code
        for course in problem.courses
        if any(course.credits.get(key, 0) > 0 for key in short)
        or (short - set(problem.required) and course.ce_credits > 0)
    }
    order = {reason: i for i, reason in enumerate(EXPLAINING_REASONS)}
    picked = [
        (e.course, e.reason)
        for e in result.exclusions
        if e.reason in order and (e.course in helps_short or e.course == "*")
    ]
    return sorted(picked, key=lambda item: (order[item[1]], item[0]))
