"""Provider insights: anonymised demand from shared prescriptions against a provider's supply.

Privacy rules, applied to every figure these pages show:
- only prescriptions whose owner ticked "share anonymously" count, and only open ones
  (deadline today or later);
- only aggregates leave this module, as `Figure`s built by `figure()`: a figure with fewer
  than ANONYMITY_THRESHOLD contributing prescriptions carries neither its value nor its
  count, and is shown as "fewer than 5";
- rows of the heat map also get complementary suppression (`figure_row`), so a hidden cell
  cannot be recovered by subtracting the shown cells from the row total.

Every function here runs a fixed number of queries, whatever the number of prescriptions,
courses or runs.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.shortcuts import get_object_or_404

from catalog.models import (
    Course,
    CreditDistribution,
    Discipline,
    PackageItem,
    Provider,
    Subcategory,
)
from catalog.selectors import provider_list_for_staff, subcategory_indexes
from core.money import CENT
from insights.bundling import CandidateCourse, Pattern, covers, package_credits, suggest_package
from matching.models import BundleCourse
from matching.selectors import runs_latest_done
from prescriptions.models import Plan, PlanItem, Prescription, RequiredCredit

ANONYMITY_THRESHOLD = 5
"""The fewest contributing prescriptions a shown figure may have."""
HIDDEN_TEXT = f"fewer than {ANONYMITY_THRESHOLD}"
HEAT_LEVELS = 5
SUGGESTED_PRICE_SHARE = Decimal("0.80")
"""A suggested package's price: this share of its members' own prices."""

# --- The one suppression rule ---------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """An aggregate over shared prescriptions. A hidden figure carries no value and no count,
    so no template can leak them."""

    value: Decimal | int | None
    prescriptions: int | None

    @property
    def hidden(self) -> bool:
        return self.prescriptions is None

    def __str__(self) -> str:
        if self.value is None:
            return HIDDEN_TEXT
        if isinstance(self.value, Decimal):
            return f"{self.value.quantize(CENT):.2f}"
        return str(self.value)


HIDDEN = Figure(None, None)


def figure(*, prescriptions: int, value: Decimal | int | None = None) -> Figure:
    """The suppression rule used by every figure on the insights pages.

    `prescriptions` is how many distinct shared prescriptions contribute; `value` the
    aggregate (defaults to that count). Fewer than ANONYMITY_THRESHOLD (zero included, so
    "none" and "a few" look alike) gives the hidden figure.
    """
    if prescriptions < ANONYMITY_THRESHOLD:
        return HIDDEN
    return Figure(prescriptions if value is None else value, prescriptions)


def figure_row(
    cells: Sequence[tuple[int, Decimal | int]], total: tuple[int, Decimal | int]
) -> tuple[list[Figure], Figure]:
    """Suppress a row of (prescriptions, value) cells that partition the row `total`.

    Cells go through `figure()`. If the hidden cells together hold 1 to 4 prescriptions,
    the difference between the total and the shown cells would reveal them, so the
    smallest shown cells are hidden too until the hidden ones hold at least the threshold
    (or none): complementary suppression.
    """
    shown = [figure(prescriptions=n, value=v) for n, v in cells]
    total_figure = figure(prescriptions=total[0], value=total[1])
    if total_figure.hidden:
        return [HIDDEN] * len(cells), HIDDEN
    hidden_count = sum(n for (n, _), f in zip(cells, shown, strict=True) if f.hidden)
    order = sorted(range(len(cells)), key=lambda i: (cells[i][0], cells[i][1], i))
    for i in order:
        if hidden_count == 0 or hidden_count >= ANONYMITY_THRESHOLD:
            break
        if not shown[i].hidden:
            shown[i] = HIDDEN
            hidden_count += cells[i][0]
    return shown, total_figure


# --- Access -----------------------------------------------------------------------------------


def provider_list_for_insights(*, user: Any) -> QuerySet[Provider]:
    """Providers whose insights the user may see: the providers they are staff of (the
    catalog's one scoping rule), by name."""
    return provider_list_for_staff(user=user).order_by("name", "code")


def provider_get_for_insights(*, user: Any, provider_id: int) -> Provider:
    """One of the user's providers; 404 for a missing provider and another's alike."""
    return get_object_or_404(provider_list_for_insights(user=user), pk=provider_id)


# --- Outline names: every subcategory id mapped to its current-outline subcategory ----------


@dataclass
class OutlineMap:
    """A discipline's subcategories in outline order, and the current id every older or
    aliased subcategory resolves to (contract §1: current names, aliases, older versions)."""

    discipline: Discipline
    order: list[int]  # current subcategory ids in outline order (then unresolved older ones)
    names: dict[int, str]
    majors: dict[int, str]
    canonical: dict[int, int]

    def resolve(self, sub_id: int) -> int | None:
        return self.canonical.get(sub_id)


def outline_map(*, discipline: Discipline) -> OutlineMap:
    """Four queries."""
    index = subcategory_indexes(discipline_codes=[discipline.code]).get(discipline.code)
    rows = (
        Subcategory.objects.filter(outline__discipline=discipline)
        .order_by("-outline__is_current", "major__position", "position", "name")
        .values_list("id", "name", "outline__is_current", "major__name")
    )
    outline = OutlineMap(discipline, [], {}, {}, {})
    older: list[tuple[int, str, str]] = []
    for sub_id, name, is_current, major in rows:
        if is_current:
            outline.order.append(sub_id)
            outline.names[sub_id] = name
            outline.majors[sub_id] = major
            outline.canonical[sub_id] = sub_id
        else:
            older.append((sub_id, name, major))
    for sub_id, name, major in older:
        target = index.resolve(name) if index else None
        if target in outline.names:
            outline.canonical[sub_id] = target
        else:  # no current equivalent: it stays a row of its own
            outline.canonical[sub_id] = sub_id
            outline.order.append(sub_id)
            outline.names[sub_id] = name
            outline.majors[sub_id] = major
    return outline


# --- Shared demand ----------------------------------------------------------------------------


def shared_prescriptions(*, discipline: Discipline, today: date) -> QuerySet[Prescription]:
    """The prescriptions whose figures may be used: shared, open, in the discipline."""
    return Prescription.objects.filter(
        share_anonymously=True,
        kind=Prescription.Kind.CQR,
        deadline__gte=today,
        outline__discipline=discipline,
    )


@dataclass(frozen=True)
class Quarter:
    year: int
    quarter: int

    def __str__(self) -> str:
        return f"{self.year} Q{self.quarter}"


@dataclass
class HeatCell:
    quarter: Quarter
    figure: Figure
    level: int  # 1..HEAT_LEVELS; 0 when hidden

    @property
    def css_class(self) -> str:
        return "heat-hidden" if self.figure.hidden else f"heat-{self.level}"


@dataclass
class DemandRow:
    subcategory_id: int
    name: str
    major: str
    cells: list[HeatCell]
    credits: Figure  # prescribed credits, all quarters
    prescriptions: Figure
    level: int

    @property
    def css_class(self) -> str:
        return "heat-hidden" if self.credits.hidden else f"heat-{self.level}"


@dataclass
class Demand:
    discipline: Discipline
    quarters: list[Quarter]
    quarter_prescriptions: list[Figure]
    prescriptions: Figure  # shared open prescriptions of the discipline
    rows: list[DemandRow]


def demand_for_discipline(*, outline: OutlineMap, today: date) -> Demand:
    """Prescribed credits and prescriptions per subcategory × deadline quarter. Two queries."""
    prescriptions = shared_prescriptions(discipline=outline.discipline, today=today)
    by_quarter = (
        prescriptions.annotate(y=ExtractYear("deadline"), q=ExtractQuarter("deadline"))
        .values("y", "q")
        .annotate(n=Count("id"))
        .order_by("y", "q")
    )
    quarter_counts = {Quarter(r["y"], r["q"]): r["n"] for r in by_quarter}
    quarters = sorted(quarter_counts, key=lambda q: (q.year, q.quarter))
    # Column counts partition the discipline total: suppress them as one row.
    per_quarter, all_quarters = figure_row(
        [(quarter_counts[q], quarter_counts[q]) for q in quarters],
        (sum(quarter_counts.values()), sum(quarter_counts.values())),
    )
    rows = (
        RequiredCredit.objects.filter(prescription__in=prescriptions)
        .annotate(
            y=ExtractYear("prescription__deadline"), q=ExtractQuarter("prescription__deadline")
        )
        .values("subcategory_id", "y", "q")
        .annotate(n=Count("prescription_id", distinct=True), credits=Sum("credits"))
        .order_by()
    )
    cells: dict[int, dict[Quarter, list[Any]]] = defaultdict(dict)
    for r in rows:
        sub_id = outline.resolve(r["subcategory_id"])
        if sub_id is None:
            continue
        cell = cells[sub_id].setdefault(Quarter(r["y"], r["q"]), [0, Decimal(0)])
        cell[0] += r["n"]
        cell[1] += r["credits"]
    demand = Demand(
        discipline=outline.discipline,
        quarters=quarters,
        quarter_prescriptions=per_quarter,
        prescriptions=all_quarters,
        rows=[],
    )
    for sub_id in outline.order:
        raw: list[tuple[int, Decimal | int]] = [
            (cells[sub_id][q][0], cells[sub_id][q][1]) if q in cells[sub_id] else (0, 0)
            for q in quarters
        ]
        total: tuple[int, Decimal | int] = (
            sum(n for n, _ in raw),
            sum((Decimal(v) for _, v in raw), Decimal(0)),
        )
        shown, credits = figure_row(raw, total)
        demand.rows.append(
            DemandRow(
                subcategory_id=sub_id,
                name=outline.names[sub_id],
                major=outline.majors[sub_id],
                cells=[HeatCell(q, f, 0) for q, f in zip(quarters, shown, strict=True)],
                credits=credits,
                prescriptions=figure(prescriptions=total[0]),
                level=0,
            )
        )
    _assign_levels(demand.rows)
    return demand


def _level(value: Decimal | int | None, top: Decimal) -> int:
    if value is None or top <= 0:
        return 0
    return max(1, min(HEAT_LEVELS, math.ceil(Decimal(value) * HEAT_LEVELS / top)))


def _assign_levels(rows: list[DemandRow]) -> None:
    """Heat levels relative to the largest shown value (cells and totals scaled apart)."""
    cell_top = max(
        (Decimal(c.figure.value) for r in rows for c in r.cells if c.figure.value is not None),
        default=Decimal(0),
    )
    row_top = max(
        (Decimal(r.credits.value) for r in rows if r.credits.value is not None),
        default=Decimal(0),
    )
    for row in rows:
        row.level = _level(row.credits.value, row_top)
        for cell in row.cells:
            cell.level = _level(cell.figure.value, cell_top)


# --- Supply, prices and gaps ------------------------------------------------------------------


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
            subcategory__outline__discipline=outline.discipline, course__is_active=True
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


# --- Own courses in computed bundles and chosen plans ------------------------------------------


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


# --- The dashboard ----------------------------------------------------------------------------


@dataclass
class Dashboard:
    provider: Provider
    discipline: Discipline | None
    disciplines: list[Discipline]
    demand: Demand | None
    supply: list[SupplyRow]
    gaps: list[SupplyRow]
    uses: Uses | None


def insight_disciplines(*, provider: Provider, today: date) -> list[Discipline]:
    """Disciplines where the provider has active courses or there is shared open demand."""
    own = CreditDistribution.objects.filter(
        course__provider=provider,
        course__is_active=True,
        subcategory__outline__discipline=OuterRef("pk"),
    )
    shared = Prescription.objects.filter(
        share_anonymously=True,
        kind=Prescription.Kind.CQR,
        deadline__gte=today,
        outline__discipline=OuterRef("pk"),
    )
    return list(Discipline.objects.filter(Exists(own) | Exists(shared)).order_by("code"))


def dashboard_for_provider(
    *, provider: Provider, discipline_code: str | None, today: date
) -> Dashboard:
    """Everything the dashboard shows for one provider and discipline (about 15 queries)."""
    disciplines = insight_disciplines(provider=provider, today=today)
    discipline = _pick_discipline(provider, disciplines, discipline_code)
    if discipline is None:
        return Dashboard(provider, None, disciplines, None, [], [], None)
    outline = outline_map(discipline=discipline)
    demand = demand_for_discipline(outline=outline, today=today)
    supply = supply_for_provider(provider=provider, outline=outline, demand=demand, today=today)
    uses = uses_for_provider(provider=provider, discipline=discipline, today=today)
    return Dashboard(provider, discipline, disciplines, demand, supply, gaps(supply), uses)


def _pick_discipline(
    provider: Provider, disciplines: list[Discipline], code: str | None
) -> Discipline | None:
    by_code = {d.code: d for d in disciplines}
    if code and code in by_code:
        return by_code[code]
    if not disciplines:
        return None
    # Default: where the provider has the most active courses.
    counts = {
        row["subcategory__outline__discipline__code"]: row["n"]
        for row in CreditDistribution.objects.filter(
            course__provider=provider, course__is_active=True
        )
        .values("subcategory__outline__discipline__code")
        .annotate(n=Count("course_id", distinct=True))
        .order_by()
    }
    return max(disciplines, key=lambda d: (counts.get(d.code, 0), -ord(d.code[0])))


# --- Bundle suggestion ------------------------------------------------------------------------


@dataclass
class PatternView:
    subcategories: list[str]
    prescriptions: Figure
    covered: str  # "all", "some" or "none" of its prescriptions (no small count is shown)


@dataclass
class SuggestionView:
    provider: Provider
    discipline: Discipline
    courses: list[Course]  # the suggested members, in code order
    members_price: Decimal
    suggested_price: Decimal
    credits: list[tuple[str, Decimal]]  # the package's credits per subcategory, outline order
    prescriptions: Figure  # shared open prescriptions of the discipline
    eligible: Figure  # those whose pattern is common enough to be targeted
    covered: Figure  # shared prescriptions the package fully covers
    share: int | None  # covered / prescriptions, percent (None when hidden)
    patterns: list[PatternView]
    proven: bool
    candidates: int  # own courses considered
    existing: list[str]  # codes of the provider's active packages with exactly these courses


def suggested_price(members_price: Decimal) -> Decimal:
    """The price proposed for a package: SUGGESTED_PRICE_SHARE of its members' prices."""
    return (members_price * SUGGESTED_PRICE_SHARE).quantize(CENT, rounding=ROUND_HALF_UP)


def _requirements(*, outline: OutlineMap, today: date) -> dict[int, dict[int, int]]:
    """prescription id -> {current subcategory id: hundredths} for shared open ones."""
    prescriptions = shared_prescriptions(discipline=outline.discipline, today=today)
    vectors: dict[int, dict[int, int]] = defaultdict(dict)
    for pid, sub_id, credits in RequiredCredit.objects.filter(
        prescription__in=prescriptions
    ).values_list("prescription_id", "subcategory_id", "credits"):
        canonical = outline.resolve(sub_id)
        if canonical is not None:
            vector = vectors[pid]
            vector[canonical] = vector.get(canonical, 0) + int(credits * 100)
    return vectors


def candidate_courses(
    *, provider: Provider, outline: OutlineMap, today: date
) -> tuple[list[Course], list[CandidateCourse]]:
    """Own active courses sold on their own, approved and (for events) not past, with
    credits in the discipline. Two queries."""
    courses = list(
        Course.objects.filter(provider=provider, is_active=True, price__isnull=False)
        .filter(Q(approval_expires__isnull=True) | Q(approval_expires__gte=today))
        .filter(Q(event_date__isnull=True) | Q(event_date__gte=today))
        .filter(
            Exists(
                CreditDistribution.objects.filter(
                    course=OuterRef("pk"), subcategory__outline__discipline=outline.discipline
                )
            )
        )
        .order_by("code")
    )
    credits: dict[int, dict[str, int]] = defaultdict(dict)
    for course_id, sub_id, value in CreditDistribution.objects.filter(
        course__in=[c.pk for c in courses], subcategory__outline__discipline=outline.discipline
    ).values_list("course_id", "subcategory_id", "credits"):
        canonical = outline.resolve(sub_id)
        if canonical is not None:
            key = str(canonical)
            credits[course_id][key] = credits[course_id].get(key, 0) + int(value * 100)
    candidates = [
        CandidateCourse(code=c.code, price=int((c.price or 0) * 100), credits=credits[c.pk])
        for c in courses
    ]
    return courses, candidates


def suggestion_for_provider(
    *,
    provider: Provider,
    discipline: Discipline,
    today: date,
    target_percent: int | None = None,
    time_limit: float = 10.0,
) -> SuggestionView:
    """A package of the provider's own courses for the discipline's common demand.

    Prescriptions are grouped by the set of subcategories they prescribe; only sets shared
    by at least ANONYMITY_THRESHOLD prescriptions are targeted (so no package is tailored
    to one person). Their exact requirement vectors, weighted by frequency, go to the MILP
    of `insights.bundling` (cheapest package covering the most of them). The coverage shown
    is then measured directly: the share of ALL shared open prescriptions of the discipline
    whose every prescribed subcategory the package's credits meet. About ten queries.
    """
    outline = outline_map(discipline=discipline)
    vectors = _requirements(outline=outline, today=today)
    by_set: dict[frozenset[int], list[int]] = defaultdict(list)
    for pid, vector in vectors.items():
        by_set[frozenset(vector)].append(pid)
    eligible = [pid for pids in by_set.values() if len(pids) >= ANONYMITY_THRESHOLD for pid in pids]
    weights = Counter(tuple(sorted(vectors[pid].items())) for pid in eligible)
    patterns = [
        Pattern(required={str(k): v for k, v in key}, weight=w)
        for key, w in sorted(weights.items())
    ]
    courses, candidates = candidate_courses(provider=provider, outline=outline, today=today)
    target = None
    if target_percent is not None:
        target = math.ceil(len(eligible) * target_percent / 100)
    result = suggest_package(candidates, patterns, target=target, time_limit=time_limit)
    chosen = set(result.courses)
    members = [c for c in courses if c.code in chosen]
    picked = [c for c in candidates if c.code in chosen]
    credits = package_credits(picked)
    covered_ids = [
        pid
        for pid, vector in vectors.items()
        if covers(credits, {str(k): v for k, v in vector.items()})
    ]
    members_price = sum((c.price for c in members if c.price is not None), Decimal(0))
    covered = figure(prescriptions=len(covered_ids))
    total = figure(prescriptions=len(vectors))
    share = None
    if not covered.hidden and not total.hidden:
        share = round(100 * len(covered_ids) / len(vectors))
    covered_set = set(covered_ids)
    pattern_views = [
        PatternView(
            subcategories=[outline.names[s] for s in outline.order if s in key],
            prescriptions=figure(prescriptions=len(pids)),
            covered=_coverage_word(sum(1 for p in pids if p in covered_set), len(pids)),
        )
        for key, pids in sorted(by_set.items(), key=lambda kv: (-len(kv[1]), sorted(kv[0])))
        if len(pids) >= ANONYMITY_THRESHOLD
    ]
    return SuggestionView(
        provider=provider,
        discipline=discipline,
        courses=members,
        members_price=members_price,
        suggested_price=suggested_price(members_price),
        credits=[
            (outline.names[s], (Decimal(credits[str(s)]) / 100).quantize(CENT))
            for s in outline.order
            if credits.get(str(s))
        ],
        prescriptions=total,
        eligible=figure(prescriptions=len(eligible)),
        covered=covered,
        share=share,
        patterns=pattern_views,
        proven=result.proven,
        candidates=len(candidates),
        existing=_packages_with_courses(provider, {c.pk for c in members}),
    )


def _packages_with_courses(provider: Provider, course_ids: set[int]) -> list[str]:
    """Codes of the provider's active packages whose members are exactly `course_ids`."""
    if not course_ids:
        return []
    members: dict[str, set[int]] = defaultdict(set)
    for code, course_id in PackageItem.objects.filter(
        package__provider=provider, package__is_active=True
    ).values_list("package__code", "course_id"):
        members[code].add(course_id)
    return sorted(code for code, ids in members.items() if ids == course_ids)


def _coverage_word(covered: int, total: int) -> str:
    if covered == total:
        return "all"
    return "some" if covered else "none"
