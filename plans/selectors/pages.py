"""View models of the bundles and plan pages: ranked bundles with their sheets, the
comparison table, and an infeasible result explained in plain words."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    Exists,
    OuterRef,
    Subquery,
)

from catalog.models import Course, CreditDistribution
from matching.models import Bundle, MatchingRun
from matching.selectors import bundles_with_contents
from plans.models import Plan
from plans.selectors.credits import Requirement, Sheet
from plans.selectors.hours_hint import hours_hint
from plans.selectors.lines import WARN_DAYS, bundle_lines, package_members
from plans.selectors.proof import Ranked, bundle_label, proof_for_run
from prescriptions.documents import PrescriptionSpec
from prescriptions.models import Prescription
from prescriptions.selectors.wording import ZERO, amount, human_date


@dataclass
class BundleView:
    bundle: Bundle
    sheet: Sheet

    @property
    def label(self) -> str:
        return bundle_label(self.bundle.label, self.sheet.providers)

    @property
    def ranked(self) -> Ranked:
        return Ranked(
            rank=self.bundle.rank,
            label=self.label,
            price=self.bundle.price,
            providers=tuple(self.sheet.providers),
        )


@dataclass
class ShortfallLine:
    category: str
    required: Decimal
    available: Decimal
    sentence: str
    reasons: list[str]

    @property
    def missing(self) -> Decimal:
        return max(ZERO, self.required - self.available)


def bundles_page(
    *, prescription: Prescription, spec: PrescriptionSpec, run: MatchingRun
) -> dict[str, Any]:
    """What the bundles page shows for a finished run: ranked bundles with their sheets,
    the comparison table rows, or the shortfall explained."""
    requirement = Requirement(spec)
    bundles = bundles_with_contents(run)
    members = package_members(bundles)
    built = [(bundle, *bundle_lines(bundle, members)) for bundle in bundles]
    # Every course of the page at once: the completed ones' rows in one query (if any).
    requirement.contributions(
        [*spec.completed, *(line.course for _, lines, _ in built for line in lines if line.course)]
    )
    views = []
    for bundle, lines, packages in built:
        sheet = requirement.sheet(lines, stored=bundle.credits)  # the engine's credits
        sheet.packages = packages
        sheet.price = bundle.price
        views.append(BundleView(bundle=bundle, sheet=sheet))
    infeasible = run.outcome == "infeasible"
    shortfall = shortfall_lines(requirement=requirement, document=run.result) if infeasible else []
    return {
        "requirement": requirement,
        "deadline_note": deadline_note(spec),
        "bundles": views,
        "comparison": comparison_rows(views, requirement) if len(views) > 1 else [],
        "infeasible": infeasible,
        "shortfall": shortfall,
        "hours_hint": hours_hint(spec=spec, document=run.result) if infeasible else None,
        "proof": proof_for_run(run, [v.ranked for v in views]),
    }


def comparison_rows(
    views: Sequence[BundleView], requirement: Requirement
) -> list[tuple[str, list[str]]]:
    """Rows of the side-by-side table: (what, one value per bundle)."""
    rows: list[tuple[str, list[str]]] = [
        ("Price", [f"${amount(v.bundle.price)}" for v in views]),
        (
            "Compared with the cheapest",
            [
                "cheapest" if v.bundle.price_delta == 0 else f"+${amount(v.bundle.price_delta)}"
                for v in views
            ],
        ),
        ("Study hours", [amount(v.bundle.hours) for v in views]),
        ("Courses", [str(len(v.sheet.lines)) for v in views]),
        ("Providers", [", ".join(v.sheet.providers) for v in views]),
        (
            f"{requirement.credits_label} (ARRT distribution)",
            [amount(v.sheet.cqr_total) for v in views],
        ),
        ("CE credits", [amount(v.bundle.ce_credits) for v in views]),  # the engine's
        ("Last due date", [human_date(v.sheet.last_due) for v in views]),
    ]
    # The needs as the sheets show them (the biennial CE is net of completed courses).
    for i, tally in enumerate(views[0].sheet.tallies):
        need = tally.need
        rows.append(
            (
                f"{need.label} (needs {amount(need.required)})",
                [amount(v.sheet.tallies[i].total) for v in views],
            )
        )
    return rows


def deadline_note(spec: PrescriptionSpec) -> str:
    """In plain words, why the plan's due dates end before the deadline (or nothing)."""
    if not spec.deadline_from_biennium:
        return ""
    ends = human_date(spec.plan_deadline)
    return (
        f"Your biennium ends on {ends}, before your CQR deadline ({human_date(spec.deadline)}). "
        f"This plan uses the earlier date: every course is due by {ends}, so its CE credits "
        "also count toward this biennium."
    )


# Exclusion reasons (matching.solver.eligibility) in plain words: (one course, several).
REASON_WORDS = {
    "approval expired": (
        "its ARRT approval expired before {as_of}",
        "their ARRT approval expired before {as_of}",
    ),
    "deadline": (
        "it takes place after your deadline ({deadline})",
        "they take place after your deadline ({deadline})",
    ),
    "event date": (
        "its event date is before {as_of}",
        "their event dates are before {as_of}",
    ),
    "format": ("its format is not one you accept", "their formats are not ones you accept"),
    "excluded provider": ("you left out its provider", "you left out their providers"),
    "weekly hours": (
        "it cannot be finished by its due date at {hours} study hours a week",
        "they cannot be finished by their due dates at {hours} study hours a week",
    ),
    "not sold": (
        "it is sold only inside a package that is not offered",
        "they are sold only inside packages that are not offered",
    ),
    "completed": ("you already completed it", "you already completed them"),
}


def reason_phrase(reason: str, count: int, spec: PrescriptionSpec) -> str:
    one, many = REASON_WORDS.get(reason, (f"of “{reason}”", f"of “{reason}”"))
    text = (one if count == 1 else many).format(
        as_of=human_date(spec.as_of),
        deadline=human_date(spec.plan_deadline),
        hours=amount(spec.hours_per_week) if spec.hours_per_week is not None else "",
    )
    if count == 1:
        return f"1 course was left out because {text}."
    return f"{count} courses were left out because {text}."


def shortfall_lines(
    *, requirement: Requirement, document: Mapping[str, Any]
) -> list[ShortfallLine]:
    """The infeasible explanation in plain words, per short category."""
    spec = requirement.spec
    exclusions = [
        (str(e.get("course", "")), str(e.get("reason", "")))
        for e in document.get("exclusions", [])
        if isinstance(e, Mapping)
    ]
    courses = courses_by_document_code([code for code, _ in exclusions], spec)
    contrib = requirement.contributions(courses.values())
    labels = {n.key: n.label for n in requirement.needs}
    lines: list[ShortfallLine] = []
    for row in document.get("shortfall", []):
        key = str(row.get("category", ""))
        required = Decimal(str(row.get("required", "0")))
        available = Decimal(str(row.get("available", "0")))
        counts: dict[str, int] = defaultdict(int)
        for code, reason in exclusions:
            course = courses.get(code)
            if course is not None and contrib.get(course.pk, {}).get(key, ZERO) > 0:
                counts[reason] += 1
        reasons = [
            reason_phrase(reason, n, spec)
            for reason, n in sorted(counts.items(), key=lambda item: -item[1])
        ]
        if not reasons and available > 0:
            reasons = [
                f"Even all the eligible courses together give only {amount(available)}; no "
                "other course in the catalog has credit in it."
            ]
        elif not reasons:
            reasons = ["No course in the catalog that you can take gives credit in it."]
        label = labels.get(key, key)
        sentence = (
            f"{label} needs {amount(required)} credits but the eligible courses give at most "
            f"{amount(available)}."
        )
        lines.append(ShortfallLine(label, required, available, sentence, reasons))
    return lines


def courses_by_document_code(codes: Sequence[str], spec: PrescriptionSpec) -> dict[str, Course]:
    """Document course codes ("code" or "provider/code") -> active catalog courses; a plain
    code several providers use resolves to the one with credit in the discipline."""
    if not codes:
        return {}
    plain = {c.rpartition("/")[2] for c in codes} | set(codes)
    candidates: dict[str, list[Course]] = defaultdict(list)
    in_discipline = CreditDistribution.objects.filter(
        course=OuterRef("pk"), subcategory__outline__discipline_id=spec.outline.discipline_id
    )
    for course in (
        Course.objects.filter(code__in=plain)
        .select_related("provider")
        .annotate(in_discipline=Exists(in_discipline))
        .order_by("-is_active", "-in_discipline", "pk")
    ):
        candidates[course.code].append(course)
    found: dict[str, Course] = {}
    for code in codes:
        matches = candidates.get(code, [])
        if not matches and "/" in code:
            provider, _, plain_code = code.rpartition("/")
            matches = [
                c for c in candidates.get(plain_code, []) if c.provider_code_label == provider
            ]
        if matches:
            found[code] = matches[0]
    return found


def run_latest_with_plan_state(prescription: Prescription) -> MatchingRun | None:
    """The prescription's latest run (like matching.selectors.run_latest_for_prescription)
    annotated with the plan's `plan_bundle_id` and `plan_updated_at`; its `result`
    document is loaded only if used. For the bundles page, the busiest page: one query
    that reads the run with its bundles (`run.ranked_bundles`, by rank) when it has any,
    else one more for a run without bundles (computing, failed, infeasible)."""
    plan = Plan.objects.filter(prescription=prescription)
    plan_state = {
        "plan_bundle_id": Subquery(plan.values("bundle_id")[:1]),
        "plan_updated_at": Subquery(plan.values("updated_at")[:1]),
    }
    runs = MatchingRun.objects.filter(prescription=prescription).order_by("-created_at", "-id")
    bundles = list(
        Bundle.objects.filter(run_id=Subquery(runs.values("id")[:1]))
        .select_related("run")
        .defer("run__result")
        .annotate(**plan_state)
        .order_by("rank")
    )
    if not bundles:
        return runs.annotate(**plan_state).defer("result").first()
    run = bundles[0].run
    run.plan_bundle_id = bundles[0].plan_bundle_id  # type: ignore[attr-defined]
    run.plan_updated_at = bundles[0].plan_updated_at  # type: ignore[attr-defined]
    for bundle in bundles:
        bundle.run = run
    run.ranked_bundles = bundles  # type: ignore[attr-defined]
    return run


def run_message(prescription: Prescription, done: str, *, computing: str = "") -> str:
    """The flash message after a save or recompute: `done` once the latest run finished
    (without a broker it has when the page shows), else `computing` (default: `done`
    plus "Computing your bundles…"). The message shows once, on the next page, so it
    must not promise a computation the page already shows finished."""
    runs = MatchingRun.objects.filter(prescription=prescription).order_by("-created_at", "-id")
    latest = runs.only("status").first()
    if latest is not None and not latest.is_finished:
        return computing or f"{done} Computing your bundles…"
    return done


def plan_deadline_warning(prescription: Prescription, *, today: date) -> str:
    days = (prescription.deadline - today).days
    if days < 0:
        return (
            f"Your deadline ({human_date(prescription.deadline)}) has passed. ARRT allows "
            "reinstatement within one year; check your ARRT account."
        )
    if days <= WARN_DAYS:
        return f"Your deadline is in {days} day{'s' if days != 1 else ''}."
    return ""


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    note: str = ""


def plan_facts(plan: Plan, sheet: Sheet) -> list[Fact]:
    """The plan's summary figures, each saying what it counts: the price is what the
    chosen bundle buys (after a re-plan, new purchases only), while hours and credits
    include the courses already done."""
    done = [line for line in sheet.lines if line.is_done]
    bundle_courses: set[int] = set()
    if plan.bundle is not None:  # its items come prefetched (`plan_for_prescription`)
        bundle_courses = {item.course_id for item in plan.bundle.items.all() if item.course_id}
    earlier = [line for line in done if line.course and line.course.pk not in bundle_courses]
    price_note = ""
    if earlier:
        n = len(earlier)
        courses = "the course" if n == 1 else f"the {n} courses"
        price_note = (
            f"new purchases only; {courses} you finished before re-planning "
            f"{'is' if n == 1 else 'are'} not included"
        )
    facts = [
        Fact(
            "Price of the chosen bundle" if not earlier else "Price of the re-planned bundle",
            f"${amount(plan.price)}",
            price_note,
        )
    ]
    label = sheet.requirement.credits_label
    hours_done = sum((line.hours for line in done), ZERO)
    cqr_done = sum((line.credits.get("_cqr", ZERO) for line in done), ZERO)
    ce_done = sum((line.ce_credits for line in done), ZERO)
    for name, total, part in (
        ("Study hours", sheet.hours_total, hours_done),
        (label, sheet.cqr_total, cqr_done),
        ("CE credits", sheet.ce_total, ce_done),
    ):
        note = f"{amount(part)} done, {amount(total - part)} still planned" if done else ""
        facts.append(Fact(name, amount(total), note))
    return facts
