"""A provider's supply against demand: own courses per subcategory, prices, gaps, and how
often own courses are in computed bundles and chosen plans."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q

from catalog.models import (
    CreditDistribution,
    Discipline,
    Provider,
)
from core.money import CENT
from insights.selectors.demand import Demand, OutlineMap, shared_prescriptions
from insights.selectors.figures import HIDDEN, Figure, figure
from matching.models import BundleCourse
from matching.selectors import runs_latest_done
from plans.models import Plan, PlanItem


@dataclass
class SupplyRow:
    subcategory_id: int
    name: str
    courses: int  # own active courses with credits here
    credits: Decimal  # their credits here, summed
    cheapest_per_credit: Decimal | None  # own, dollars per CQR credit
    market_median: Decimal | None  # all providers' active priced courses
    market_courses: int
    demand: Figure  # prescribed credits (all quarters)
    gap: str  # "" or a short reason

    @property
    def is_gap(self) -> bool:
        return bool(self.gap)


def _price_per_credit(price: Decimal, credits: Decimal) -> Decimal:
    return (price / credits).quantize(CENT, rounding=ROUND_HALF_UP)


def supply_for_provider(
    *, provider: Provider, outline: OutlineMap, demand: Demand, today: date
) -> list[SupplyRow]:
    """Own supply per subcategory against the market, with gaps. One query.

    Price per CQR credit of a course = its price / its distribution credits in the
    discipline. A gap is a subcategory with shown demand where the provider has no active
    course, or whose cheapest own price per credit is above the market median.
    """
    rows = (
        CreditDistribution.objects.filter(
            subcategory__outline__discipline=outline.discipline,
            course__is_active=True,
            course__owner__isnull=True,  # the market is the catalog, not private courses
        )
        .filter(Q(course__approval_expires__isnull=True) | Q(course__approval_expires__gte=today))
        .values_list(
            "course_id", "course__provider_id", "course__price", "subcategory_id", "credits"
        )
    )
    course_total: dict[int, Decimal] = defaultdict(Decimal)
    by_sub: dict[int, list[tuple[int, int, Decimal | None, Decimal]]] = defaultdict(list)
    for course_id, provider_id, price, sub_id, credits in rows:
        course_total[course_id] += credits
        canonical = outline.resolve(sub_id)
        if canonical is not None:
            by_sub[canonical].append((course_id, provider_id, price, credits))
    result = []
    for sub_id in outline.order:
        entries = by_sub.get(sub_id, [])
        own = [e for e in entries if e[1] == provider.pk]
        market = {
            cid: _price_per_credit(price, course_total[cid])
            for cid, _, price, _ in entries
            if price is not None
        }
        own_prices = [market[cid] for cid, *_ in own if cid in market]
        median = Decimal(statistics.median(market.values())).quantize(CENT) if market else None
        cheapest = min(own_prices) if own_prices else None
        demand_credits = _demand_credits(demand, sub_id)
        row = SupplyRow(
            subcategory_id=sub_id,
            name=outline.names[sub_id],
            courses=len({e[0] for e in own}),
            credits=sum((e[3] for e in own), Decimal(0)),
            cheapest_per_credit=cheapest,
            market_median=median,
            market_courses=len(market),
            demand=demand_credits,
            gap="",
        )
        if not demand_credits.hidden:
            if not own:
                row.gap = "no course of yours"
            elif cheapest is not None and median is not None and cheapest > median:
                row.gap = "priced above the market median"
        result.append(row)
    return result


def _demand_credits(demand: Demand, sub_id: int) -> Figure:
    for row in demand.rows:
        if row.subcategory_id == sub_id:
            return row.credits
    return HIDDEN


def gaps(supply: Iterable[SupplyRow]) -> list[SupplyRow]:
    """Gap rows, the largest demand first."""
    found = [row for row in supply if row.is_gap]
    return sorted(found, key=lambda r: (-Decimal(r.demand.value or 0), r.name))


@dataclass
class CourseUse:
    code: str
    title: str
    bundles: Figure
    plans: Figure


@dataclass
class Uses:
    runs: Figure  # shared prescriptions with a computed run
    in_bundles: Figure  # ... whose latest cheapest bundle holds one of the provider's courses
    plans: Figure  # shared prescriptions with a chosen plan
    in_plans: Figure  # ... whose plan holds one of the provider's courses
    courses: list[CourseUse]


def uses_for_provider(*, provider: Provider, discipline: Discipline, today: date) -> Uses:
    """How often the provider's courses are in the cheapest bundle (rank 1) of the latest run
    of shared prescriptions, and in their chosen plans. Six queries."""
    prescriptions = shared_prescriptions(discipline=discipline, today=today)
    runs = runs_latest_done(prescriptions=prescriptions)
    bundle_items = BundleCourse.objects.filter(
        bundle__rank=1, bundle__run__in=runs, course__provider=provider
    )
    plans = Plan.objects.filter(prescription__in=prescriptions)
    plan_items = PlanItem.objects.filter(plan__in=plans, course__provider=provider)

    per_course: dict[int, dict[str, Any]] = {}
    for row in bundle_items.values("course_id", "course__code", "course__title").annotate(
        n=Count("bundle__run__prescription_id", distinct=True)
    ):
        per_course.setdefault(row["course_id"], {"row": row, "bundles": 0, "plans": 0})
        per_course[row["course_id"]]["bundles"] = row["n"]
    for row in plan_items.values("course_id", "course__code", "course__title").annotate(
        n=Count("plan__prescription_id", distinct=True)
    ):
        per_course.setdefault(row["course_id"], {"row": row, "bundles": 0, "plans": 0})
        per_course[row["course_id"]]["plans"] = row["n"]
    courses = []
    for entry in per_course.values():
        use = CourseUse(
            code=entry["row"]["course__code"],
            title=entry["row"]["course__title"],
            bundles=figure(prescriptions=entry["bundles"]),
            plans=figure(prescriptions=entry["plans"]),
        )
        if not (use.bundles.hidden and use.plans.hidden):  # all-hidden rows are not listed
            courses.append(use)
    courses.sort(
        key=lambda u: (-(u.bundles.prescriptions or 0), -(u.plans.prescriptions or 0), u.code)
    )
    return Uses(
        runs=figure(prescriptions=runs.count()),
        in_bundles=figure(
            prescriptions=bundle_items.values("bundle__run__prescription_id").distinct().count()
        ),
        plans=figure(prescriptions=plans.count()),
        in_plans=figure(prescriptions=plan_items.values("plan_id").distinct().count()),
        courses=courses,
    )
