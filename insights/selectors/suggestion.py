"""The package suggestion: which of the provider's courses, bundled at a discount, would
cover the most shared prescriptions (exact, via insights.bundling)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Q

from catalog.models import (
    Course,
    CreditDistribution,
    Discipline,
    PackageItem,
    Provider,
)
from core.money import CENT
from insights.bundling import CandidateCourse, Pattern, covers, package_credits, suggest_package
from insights.selectors.demand import OutlineMap, outline_map, shared_prescriptions
from insights.selectors.figures import ANONYMITY_THRESHOLD, Figure, figure
from prescriptions.models import RequiredCredit

SUGGESTED_PRICE_SHARE = Decimal("0.80")
"""A suggested package's price: this share of its members' own prices."""


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
