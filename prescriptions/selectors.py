"""Prescription reads: the one access helper, lists, and the view models of the bundles,
plan and PDF pages.

Every page that shows credits goes through `Sheet`: the requirement of a prescription
(its subcategories and extra totals), what completed courses already give, and what a list
of courses (a bundle, a plan, a recommendation) adds — so the web page, the PDF and the
`recommend --pdf` command print the same numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from icalendar import Calendar as ICalendar
from icalendar import Event as ICalEvent

from catalog.models import Course, CourseFormat, CreditDistribution, Package
from matching.models import Bundle, MatchingRun
from matching.selectors import bundles_for_run
from prescriptions.documents import PrescriptionSpec, SubcategoryNames
from prescriptions.models import Plan, PlanItem, Prescription

ZERO = Decimal("0.00")
WARN_DAYS = 30
FORMAT_LABELS = dict(CourseFormat.choices)
MINIMUMS_GROUP = "Structured education minimums"
TOTALS_GROUP = "Totals"
EXTRA_LABELS = {
    "total_ce": "Biennial CE credits",
    "total_discipline": "All credits in the discipline",
}
# Needs shown as what is still needed after the completed courses: the technologist gives
# the CE credits still needed this biennium, so completed courses are not listed again.
NET_OF_COMPLETED = frozenset({"total_ce"})


def human_date(value: date | None) -> str:
    """'Dec 31, 2027' (the pages' date style); empty for None."""
    if value is None:
        return ""
    return f"{value:%b} {value.day}, {value.year}"


def amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):.2f}"


# ---------------------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------------------


def prescription_get_for_user(*, user: Any, prescription_id: int) -> Prescription:
    """The user's prescription; 404 for a missing one and for anyone else's alike."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such prescription")
    return get_object_or_404(
        Prescription.objects.select_related("outline__discipline", "owner"),
        pk=prescription_id,
        owner=user,
    )


def bundle_get_for_prescription(*, prescription: Prescription, bundle_id: int) -> Bundle:
    """A bundle of one of the prescription's runs (404 otherwise)."""
    return get_object_or_404(
        Bundle.objects.select_related("run"), pk=bundle_id, run__prescription=prescription
    )


def plan_item_get_for_prescription(*, prescription: Prescription, item_id: int) -> PlanItem:
    """An item of the prescription's plan (404 otherwise)."""
    return get_object_or_404(
        PlanItem.objects.select_related("plan__prescription", "course"),
        pk=item_id,
        plan__prescription=prescription,
    )


def prescription_list_for_user(*, user: Any) -> QuerySet[Prescription]:
    """The user's prescriptions with their latest run's status and the plan's progress."""
    latest = MatchingRun.objects.filter(prescription=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        Prescription.objects.filter(owner=user)
        .select_related("outline__discipline", "plan")
        .annotate(
            run_status=Subquery(latest.values("status")[:1]),
            run_outcome=Subquery(latest.values("outcome")[:1]),
            run_stale=Subquery(latest.values("is_stale")[:1]),
            plan_items=Count("plan__items", distinct=True),
            plan_done=Count(
                "plan__items", filter=Q(plan__items__status=PlanItem.Status.DONE), distinct=True
            ),
        )
        .order_by("deadline", "-created_at")
    )


def course_search(*, discipline_id: int, query: str, limit: int = 20) -> list[Course]:
    """Active courses with credit in the discipline whose title, code or provider matches."""
    query = query.strip()
    if not query:
        return []
    rows = CreditDistribution.objects.filter(
        course=OuterRef("pk"), subcategory__outline__discipline_id=discipline_id
    )
    text = (
        Q(title__icontains=query)
        | Q(code__icontains=query)
        | Q(provider__name__icontains=query)
        | Q(provider__code__iexact=query)
    )
    return list(
        Course.objects.filter(Exists(rows), text, is_active=True)
        .select_related("provider")
        .order_by("title", "provider__name")[:limit]
    )


# ---------------------------------------------------------------------------------------
# The requirement and what courses give toward it
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """One line of the requirement: a subcategory or an extra total."""

    key: str
    label: str
    group: str
    required: Decimal


@dataclass
class Tally:
    """A need against what completed courses, done plan items and planned courses give."""

    need: Need
    completed: Decimal = ZERO
    done: Decimal = ZERO
    planned: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.completed + self.done + self.planned

    @property
    def in_plan(self) -> Decimal:
        return self.done + self.planned

    @property
    def total_percent(self) -> int:
        return self._pct(self.total)

    @property
    def already(self) -> Decimal:
        return self.completed + self.done

    @property
    def met(self) -> bool:
        return self.total >= self.need.required

    @property
    def remaining(self) -> Decimal:
        """Still to earn after completed and done courses (never below zero)."""
        return max(ZERO, self.need.required - self.already)

    @property
    def shortfall(self) -> Decimal:
        return max(ZERO, self.need.required - self.total)

    def _pct(self, value: Decimal) -> int:
        if self.need.required <= 0:
            return 100
        return int(min(Decimal(100), value * 100 / self.need.required))

    @property
    def already_percent(self) -> int:
        return self._pct(self.already)

    @property
    def planned_percent(self) -> int:
        return max(0, self._pct(self.total) - self.already_percent)

    # Bar widths in 5 % steps: the pages style them with classes (the CSP has no inline
    # styles), `bar-w-<n>` in static/css/app.css.
    @property
    def already_step(self) -> int:
        return 5 * round(self.already_percent / 5)

    @property
    def planned_step(self) -> int:
        return max(0, 5 * round(self._pct(self.total) / 5) - self.already_step)


@dataclass
class CourseLine:
    """A course of a bundle, plan or recommendation as the pages and the PDF show it."""

    course: Course | None
    code: str
    complete_by: date
    start_by: date | None = None
    paid_as: str = ""  # "course" | "package" | "owned"
    package_title: str = ""
    price: Decimal | None = None
    status: str = ""  # "planned" | "done" ("" outside a plan)
    done_on: date | None = None
    item_id: int | None = None
    credits: dict[str, Decimal] = field(default_factory=dict)
    cells: list[Decimal | None] = field(default_factory=list)
    credit_items: list[tuple[str, Decimal]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.course.title if self.course else f"{self.code} (no longer in the catalog)"

    @property
    def provider(self) -> str:
        return self.course.provider.name if self.course else ""

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS.get(self.course.format, self.course.format) if self.course else ""

    @property
    def url(self) -> str:
        return self.course.url if self.course else ""

    @property
    def ce_credits(self) -> Decimal:
        return self.course.ce_credits if self.course else ZERO

    @property
    def hours(self) -> Decimal:
        return self.course.hours if self.course else ZERO

    @property
    def is_done(self) -> bool:
        return self.status == PlanItem.Status.DONE

    @property
    def price_text(self) -> str:
        if self.paid_as == "owned":
            return "Already paid"
        if self.paid_as == "package":
            return f"In package: {self.package_title}" if self.package_title else "In a package"
        return f"${amount(self.price)}" if self.price is not None else ""


@dataclass(frozen=True)
class PackageLine:
    title: str
    provider: str
    price: Decimal
    courses: tuple[str, ...]


class Requirement:
    """A prescription's needs (from its spec) and each course's contribution to them."""

    def __init__(self, spec: PrescriptionSpec) -> None:
        self.spec = spec
        self.names = SubcategoryNames(current=spec.outline)
        needs: list[Need] = []
        for sub, credits in spec.required:
            key = self.names.canonical(sub.id) or sub.name
            group = self.names.majors.get(key, "")
            needs.append(Need(key=key, label=key, group=group, required=credits))
        discipline = spec.outline.discipline
        for kind, credits in spec.extras:
            if kind == "major_minimum":
                needs.extend(
                    Need(
                        key=f"major:{major}",
                        label=f"{major} (major category)",
                        group=MINIMUMS_GROUP,
                        required=credits,
                    )
                    for major in dict.fromkeys(self.names.majors.values())
                )
            else:
                label = EXTRA_LABELS.get(kind, kind)
                if kind == "total_discipline":
                    label = f"All {discipline.name} credits"
                needs.append(Need(key=kind, label=label, group=TOTALS_GROUP, required=credits))
        self.needs = needs
        self._completed = list(spec.completed)
        self._cache: dict[int, dict[str, Decimal]] = {}

    @property
    def credits_label(self) -> str:
        """What the distribution credits are called: CQR credits, or for structured
        education the credits in the discipline."""
        if self.spec.kind == "structured-education":
            return f"Credits in {self.spec.outline.discipline.code}"
        return "CQR credits"

    @property
    def credits_unit(self) -> str:
        """`credits_label` after a number: "4.50 CQR credits", "16.00 credits in MR"."""
        label = self.credits_label
        return label[:1].lower() + label[1:]

    @property
    def subcategory_keys(self) -> list[str]:
        return [n.key for n in self.needs if n.group != TOTALS_GROUP and ":" not in n.key]

    def contributions(self, courses: Iterable[Course]) -> dict[int, dict[str, Decimal]]:
        """course id -> {need key: credits} (uncapped), plus "_cqr" (discipline total).

        Results are cached per course, so priming with every course a page shows costs
        one query however many bundles it has."""
        courses = [c for c in courses if c is not None]
        missing = {c.pk for c in courses} - self._cache.keys()
        if missing:
            self._load(missing, [c for c in courses if c.pk in missing])
        return {c.pk: self._cache[c.pk] for c in courses}

    def _load(self, ids: set[int], courses: list[Course]) -> None:
        rows = CreditDistribution.objects.filter(
            course_id__in=ids, subcategory_id__in=self.names.all_ids()
        ).values_list("course_id", "subcategory_id", "credits")
        per_version: dict[tuple[int, str, int], Decimal] = defaultdict(lambda: ZERO)
        for course_id, sub_id, credits in rows:
            key = self.names.canonical(sub_id)
            if key is not None:
                per_version[course_id, key, self.names.outline_of(sub_id)] += credits
        by_sub: dict[int, dict[str, Decimal]] = defaultdict(dict)
        for (course_id, key, _), value in per_version.items():
            by_sub[course_id][key] = max(by_sub[course_id].get(key, ZERO), value)
        for course in courses:
            subs = by_sub.get(course.pk, {})
            values: dict[str, Decimal] = {}
            for need in self.needs:
                if need.key == "total_ce":
                    values[need.key] = course.ce_credits
                elif need.key == "total_discipline":
                    values[need.key] = sum(subs.values(), ZERO)
                elif need.key.startswith("major:"):
                    major = need.key.removeprefix("major:")
                    values[need.key] = sum(
                        (v for k, v in subs.items() if self.names.majors.get(k) == major), ZERO
                    )
                else:
                    values[need.key] = subs.get(need.key, ZERO)
            values["_cqr"] = sum(subs.values(), ZERO)
            self._cache[course.pk] = values

    def sheet(self, lines: Sequence[CourseLine]) -> Sheet:
        """Tallies for the needs: completed courses + `lines` (done ones count as done)."""
        line_courses = [line.course for line in lines if line.course is not None]
        # A course done in the plan and then re-planned is also a completed course of the
        # prescription: its line counts it, once.
        in_lines = {course.pk for course in line_courses}
        completed = [c for c in self._completed if c.pk not in in_lines]
        contrib = self.contributions([*completed, *line_courses])
        tallies = [Tally(need=need) for need in self.needs]
        for course in completed:
            for tally in tallies:
                tally.completed += contrib.get(course.pk, {}).get(tally.need.key, ZERO)
        for tally in tallies:
            if tally.need.key in NET_OF_COMPLETED:
                still = max(ZERO, tally.need.required - tally.completed)
                tally.need = replace(tally.need, required=still)
                tally.completed = ZERO
        for line in lines:
            if line.course is None:
                line.cells = [None for _ in self.needs]
                continue
            line.credits = contrib.get(line.course.pk, {})
            line.cells = [line.credits.get(n.key) or None for n in self.needs]
            line.credit_items = [
                (n.label, v) for n, v in zip(self.needs, line.cells, strict=True) if v
            ]
            for tally in tallies:
                value = line.credits.get(tally.need.key, ZERO)
                if line.is_done:
                    tally.done += value
                else:
                    tally.planned += value
        return Sheet(requirement=self, lines=list(lines), tallies=tallies)


@dataclass
class Sheet:
    requirement: Requirement
    lines: list[CourseLine]
    tallies: list[Tally]
    packages: list[PackageLine] = field(default_factory=list)
    price: Decimal = ZERO

    @property
    def needs(self) -> list[Need]:
        return self.requirement.needs

    @property
    def ce_total(self) -> Decimal:
        return sum((line.ce_credits for line in self.lines), ZERO)

    @property
    def cqr_total(self) -> Decimal:
        """Distribution credits in the discipline (all subcategories) of the lines."""
        return sum((line.credits.get("_cqr", ZERO) for line in self.lines), ZERO)

    @property
    def toward_total(self) -> Decimal:
        """CQR credits that count toward the prescription (capped at each requirement)."""
        return sum(
            (
                min(t.planned + t.done, max(ZERO, t.need.required - t.completed))
                for t in self.tallies
                if t.need.group not in {TOTALS_GROUP, MINIMUMS_GROUP}
            ),
            ZERO,
        )

    @property
    def hours_total(self) -> Decimal:
        return sum((line.hours for line in self.lines), ZERO)

    @property
    def all_met(self) -> bool:
        return all(t.met for t in self.tallies)

    @property
    def remaining_tallies(self) -> list[Tally]:
        return [t for t in self.tallies if t.remaining > 0]

    @property
    def providers(self) -> list[str]:
        return sorted({line.provider for line in self.lines if line.provider})

    @property
    def last_due(self) -> date | None:
        return max((line.complete_by for line in self.lines), default=None)

    @property
    def is_structured(self) -> bool:
        return self.requirement.spec.kind == "structured-education"

    @property
    def obligations(self) -> list[Obligation]:
        """Each obligation's progress on its own (contract §6): the prescription's
        subcategories, the biennial CE, and the discipline totals (structured education)."""
        spec = self.requirement.spec
        code = spec.outline.discipline.code
        subs = [t for t in self.tallies if t.need.group not in {TOTALS_GROUP, MINIMUMS_GROUP}]
        by_key = {t.need.key: t for t in self.tallies}
        majors = [t for t in self.tallies if t.need.group == MINIMUMS_GROUP]
        result: list[Obligation] = []
        if subs:
            result.append(
                Obligation(
                    title="Subcategories required" if self.is_structured else "CQR prescription",
                    unit="CQR credits",
                    total=sum((min(t.total, t.need.required) for t in subs), ZERO),
                    required=sum((t.need.required for t in subs), ZERO),
                    parts=tuple(
                        ObligationPart(t.need.label, t.total, t.need.required) for t in subs
                    ),
                    parts_intro="per subcategory",
                )
            )
        ce = by_key.get("total_ce")
        if ce is not None:
            result.append(
                Obligation(
                    title="Biennial CE",
                    unit="CE credits",
                    total=ce.in_plan,
                    required=ce.need.required,
                    note="still needed this biennium",
                )
            )
        discipline = by_key.get("total_discipline")
        if discipline is not None or majors:
            minimum = majors[0].need.required if majors else ZERO
            result.append(
                Obligation(
                    title="Structured education" if self.is_structured else "Discipline totals",
                    unit=f"credits in {code}",
                    total=(
                        discipline.total
                        if discipline
                        else sum((min(t.total, t.need.required) for t in majors), ZERO)
                    ),
                    required=(
                        discipline.need.required
                        if discipline
                        else sum((t.need.required for t in majors), ZERO)
                    ),
                    parts=tuple(
                        ObligationPart(t.need.key.removeprefix("major:"), t.total, t.need.required)
                        for t in majors
                    ),
                    parts_intro=f"at least {amount(minimum)} in each major category",
                    part_required_shown=False,
                )
            )
        return result


@dataclass(frozen=True)
class ObligationPart:
    label: str
    total: Decimal
    required: Decimal

    @property
    def met(self) -> bool:
        return self.total >= self.required


@dataclass(frozen=True)
class Obligation:
    """One obligation's progress: completed courses plus the lines, against its need."""

    title: str  # "CQR prescription" | "Biennial CE" | "Structured education" | ...
    unit: str  # "CQR credits" | "CE credits" | "credits in MR"
    total: Decimal
    required: Decimal
    parts: tuple[ObligationPart, ...] = ()
    parts_intro: str = ""
    note: str = ""
    # Parts print "3.00 of 3.00" (subcategories) or just "1.50" ("at least 1 in each").
    part_required_shown: bool = True

    @property
    def met(self) -> bool:
        return self.total >= self.required and all(part.met for part in self.parts)

    @property
    def shortfall(self) -> Decimal:
        return max(ZERO, self.required - self.total)


# ---------------------------------------------------------------------------------------
# Bundles page
# ---------------------------------------------------------------------------------------


def package_members(bundles: Iterable[Bundle]) -> dict[int, list[int]]:
    """package id -> member course ids, for every package the bundles buy (one query)."""
    ids = {p.package_id for b in bundles for p in b.purchases.all() if p.package_id}
    members: dict[int, list[int]] = defaultdict(list)
    if ids:
        for package_id, course_id in (
            Package.courses.through.objects.filter(package_id__in=ids)
            .order_by("id")
            .values_list("package_id", "course_id")
        ):
            members[package_id].append(course_id)
    return members


def _bundle_lines(
    bundle: Bundle, members: Mapping[int, list[int]] | None = None
) -> tuple[list[CourseLine], list[PackageLine]]:
    packages_by_course: dict[int, str] = {}
    package_lines: list[PackageLine] = []
    alone: dict[int, Decimal] = {}
    if members is None:
        members = package_members([bundle])
    titles = {item.course_id: item.course.title for item in bundle.items.all() if item.course}
    for purchase in bundle.purchases.all():
        if purchase.kind == "course" and purchase.course_id:
            alone[purchase.course_id] = purchase.price
        elif purchase.package is not None:
            for course_id in members.get(purchase.package.pk, []):
                packages_by_course.setdefault(course_id, purchase.package.title)
            package_lines.append(
                PackageLine(
                    title=purchase.package.title,
                    provider=purchase.package.provider.name,
                    price=purchase.price,
                    courses=tuple(
                        titles[c] for c in members.get(purchase.package.pk, []) if c in titles
                    ),
                )
            )
    lines = []
    for item in bundle.items.all():
        line = CourseLine(
            course=item.course,
            code=item.code,
            complete_by=item.complete_by,
            start_by=item.start_by,
        )
        if item.owned:
            line.paid_as = "owned"
        elif item.course_id in alone:
            line.paid_as, line.price = "course", alone[item.course_id]
        elif item.course_id in packages_by_course:
            line.paid_as, line.package_title = "package", packages_by_course[item.course_id]
        lines.append(line)
    return lines, package_lines


@dataclass
class BundleView:
    bundle: Bundle
    sheet: Sheet

    @property
    def label(self) -> str:
        label = self.bundle.label
        prefix = "single provider: "
        if label.startswith(prefix) and len(self.sheet.providers) == 1:
            label = prefix + self.sheet.providers[0]  # the provider's name, not its code
        return label[:1].upper() + label[1:]


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
    bundles = list(bundles_for_run(run))
    members = package_members(bundles)
    requirement.contributions(
        [*spec.completed, *(item.course for b in bundles for item in b.items.all() if item.course)]
    )
    views = []
    for bundle in bundles:
        lines, packages = _bundle_lines(bundle, members)
        sheet = requirement.sheet(lines)
        sheet.packages = packages
        sheet.price = bundle.price
        views.append(BundleView(bundle=bundle, sheet=sheet))
    shortfall = (
        shortfall_lines(requirement=requirement, document=run.result)
        if run.outcome == "infeasible"
        else []
    )
    return {
        "requirement": requirement,
        "deadline_note": deadline_note(spec),
        "bundles": views,
        "comparison": comparison_rows(views, requirement) if len(views) > 1 else [],
        "shortfall": shortfall,
        "gap_percent": (run.gap or 0) * 100,
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
        ("CE credits", [amount(v.sheet.ce_total) for v in views]),
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
    courses = _courses_by_document_code([code for code, _ in exclusions], spec)
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


def _courses_by_document_code(codes: Sequence[str], spec: PrescriptionSpec) -> dict[str, Course]:
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
            matches = [c for c in candidates.get(plain_code, []) if c.provider.code == provider]
        if matches:
            found[code] = matches[0]
    return found


# ---------------------------------------------------------------------------------------
# Plan page
# ---------------------------------------------------------------------------------------


def run_latest_with_plan_state(prescription: Prescription) -> MatchingRun | None:
    """The prescription's latest run (like matching.selectors.run_latest_for_prescription)
    annotated with the plan's `plan_bundle_id` and `plan_updated_at`, in one query; its
    `result` document is loaded only if used. For the bundles page, the busiest page."""
    plan = Plan.objects.filter(prescription=prescription)
    return (
        MatchingRun.objects.filter(prescription=prescription)
        .annotate(
            plan_bundle_id=Subquery(plan.values("bundle_id")[:1]),
            plan_updated_at=Subquery(plan.values("updated_at")[:1]),
        )
        .defer("result")
        .order_by("-created_at", "-id")
        .first()
    )


def plan_for_prescription(prescription: Prescription) -> Plan | None:
    return (
        Plan.objects.filter(prescription=prescription)
        .select_related("bundle")
        .prefetch_related("items__course__provider")
        .first()
    )


def plan_lines(plan: Plan, *, today: date) -> list[CourseLine]:
    """The plan's items as lines, with due-date and approval warnings."""
    lines = []
    purchases: dict[int, tuple[str, Decimal | None, str]] = {}
    if plan.bundle_id is not None:
        bundle = bundles_for_run_single(plan.bundle_id)
        if bundle is not None:
            bundle_lines, _ = _bundle_lines(bundle)
            purchases = {
                line.course.pk: (line.paid_as, line.price, line.package_title)
                for line in bundle_lines
                if line.course is not None
            }
    for item in plan.items.all():
        paid_as, price, package_title = purchases.get(item.course_id, ("", None, ""))
        line = CourseLine(
            course=item.course,
            code=item.course.code,
            complete_by=item.complete_by,
            status=item.status,
            done_on=item.done_on,
            item_id=item.pk,
            paid_as=paid_as,
            price=price,
            package_title=package_title,
        )
        line.warnings = item_warnings(item, today=today)
        lines.append(line)
    return lines


def bundles_for_run_single(bundle_id: int) -> Bundle | None:
    bundle = Bundle.objects.filter(pk=bundle_id).select_related("run").first()
    if bundle is None:
        return None
    return bundles_for_run(bundle.run).filter(pk=bundle_id).first()


def item_warnings(item: PlanItem, *, today: date) -> list[str]:
    """Plain-words warnings for a planned course (none once it is done)."""
    if item.status == PlanItem.Status.DONE:
        return []
    warnings = []
    course = item.course
    days = (item.complete_by - today).days
    if days < 0:
        warnings.append(
            f"Its due date ({human_date(item.complete_by)}) has passed. Re-plan the rest."
        )
    elif days <= WARN_DAYS:
        warnings.append(
            f"Due in {days} day{'s' if days != 1 else ''} ({human_date(item.complete_by)})."
        )
    if course.approval_expires is not None and course.approval_expires < item.complete_by:
        warnings.append(
            f"Its ARRT approval expires on {human_date(course.approval_expires)}, before the "
            f"planned date ({human_date(item.complete_by)}): finish it before then."
        )
    if course.event_date is not None and course.event_date < today:
        warnings.append(f"The event took place on {human_date(course.event_date)}.")
    if not course.is_active:
        warnings.append("The provider no longer offers this course. Re-plan the rest.")
    return warnings


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


def today() -> date:
    return timezone.localdate()


# ---------------------------------------------------------------------------------------
# Printable plan (PDF) and calendar
# ---------------------------------------------------------------------------------------


@dataclass
class PlanDocument:
    """Everything templates/pdf/plan.html prints."""

    spec: PrescriptionSpec
    technologist: str
    title: str
    status: str  # "plan" | "bundle" | "infeasible" | "error"
    sheet: Sheet | None = None
    bundle_label: str = ""
    shortfall: list[ShortfallLine] = field(default_factory=list)
    reasons_overall: list[str] = field(default_factory=list)
    message: str = ""
    generated_on: date = field(default_factory=today)

    @property
    def discipline(self) -> str:
        d = self.spec.outline.discipline
        return f"{d.name} ({d.code})"

    @property
    def kind_label(self) -> str:
        if self.spec.kind == "cqr" and any(kind == "total_ce" for kind, _ in self.spec.extras):
            return "CQR prescription and biennial CE"
        return dict(Prescription.Kind.choices).get(self.spec.kind, self.spec.kind)

    @property
    def is_structured(self) -> bool:
        return self.spec.kind == "structured-education"

    @property
    def deadline_note(self) -> str:
        return deadline_note(self.spec)


def plan_document_for_prescription(
    *, prescription: Prescription, spec: PrescriptionSpec, technologist: str
) -> PlanDocument:
    """The printable plan: the chosen plan, else the latest run's best bundle, else the
    shortfall of an infeasible run."""
    requirement = Requirement(spec)
    title = str(prescription)
    plan = plan_for_prescription(prescription)
    if plan is not None and plan.items.all():
        sheet = requirement.sheet(plan_lines(plan, today=today()))
        sheet.price = plan.price
        return PlanDocument(
            spec=spec, technologist=technologist, title=title, status="plan", sheet=sheet
        )
    run = (
        MatchingRun.objects.filter(prescription=prescription, status=MatchingRun.Status.DONE)
        .order_by("-created_at", "-id")
        .first()
    )
    if run is None:
        return PlanDocument(
            spec=spec,
            technologist=technologist,
            title=title,
            status="error",
            message="The bundles for this prescription have not been computed yet.",
        )
    if run.outcome == "infeasible":
        return PlanDocument(
            spec=spec,
            technologist=technologist,
            title=title,
            status="infeasible",
            shortfall=shortfall_lines(requirement=requirement, document=run.result),
        )
    bundle = bundles_for_run(run).first()
    if bundle is None:
        return PlanDocument(
            spec=spec,
            technologist=technologist,
            title=title,
            status="error",
            message="This run found no bundle.",
        )
    lines, packages = _bundle_lines(bundle)
    sheet = requirement.sheet(lines)
    sheet.packages, sheet.price = packages, bundle.price
    return PlanDocument(
        spec=spec,
        technologist=technologist,
        title=title,
        status="bundle",
        sheet=sheet,
        bundle_label=bundle.label,
    )


def plan_document_from_recommendation(
    *, spec: PrescriptionSpec, document: Mapping[str, Any], technologist: str = ""
) -> PlanDocument:
    """The printable plan of bundle 1 of a `cqr-recommendation/1` document (the
    `recommend --pdf` command), or the shortfall explanation when infeasible."""
    requirement = Requirement(spec)
    title = f"{spec.outline.discipline.code} {dict(Prescription.Kind.choices)[spec.kind]}"
    status = document.get("status")
    if status == "infeasible":
        return PlanDocument(
            spec=spec,
            technologist=technologist,
            title=title,
            status="infeasible",
            shortfall=shortfall_lines(requirement=requirement, document=document),
        )
    bundles = document.get("bundles") or []
    if status not in {"optimal", "feasible"} or not bundles:
        return PlanDocument(
            spec=spec,
            technologist=technologist,
            title=title,
            status="error",
            message=str(document.get("message") or "No plan was found."),
        )
    bundle = bundles[0]
    schedule = {str(s["course"]): s for s in bundle.get("schedule", []) if isinstance(s, Mapping)}
    codes = [str(c) for c in bundle.get("courses", [])]
    courses = _courses_by_document_code(codes, spec)
    purchases = [p for p in bundle.get("purchases", []) if isinstance(p, Mapping)]
    alone = {
        str(p["code"]): Decimal(str(p.get("price", "0")))
        for p in purchases
        if p.get("kind") == "course"
    }
    package_codes = [str(p["code"]) for p in purchases if p.get("kind") == "package"]
    packages = _packages_by_document_code(package_codes, courses.values())
    owned = {c.pk for c in spec.owned}
    lines = []
    member_of: dict[int, str] = {}
    package_lines = []
    for code in package_codes:
        package = packages.get(code)
        if package is None:
            continue
        members = [c for c in package.courses.all() if c.pk in {x.pk for x in courses.values()}]
        for member in members:
            member_of.setdefault(member.pk, package.title)
        price = next(
            (Decimal(str(p.get("price", package.price))) for p in purchases if p["code"] == code),
            package.price,
        )
        package_lines.append(
            PackageLine(
                package.title, package.provider.name, price, tuple(m.title for m in members)
            )
        )
    for code in codes:
        course = courses.get(code)
        entry = schedule.get(code, {})
        due = _iso(entry.get("complete_by")) or spec.plan_deadline
        line = CourseLine(
            course=course, code=code, complete_by=due, start_by=_iso(entry.get("start_by"))
        )
        if course is not None and course.pk in owned:
            line.paid_as = "owned"
        elif code in alone:
            line.paid_as, line.price = "course", alone[code]
        elif course is not None and course.pk in member_of:
            line.paid_as, line.package_title = "package", member_of[course.pk]
        lines.append(line)
    lines.sort(key=lambda line: (line.complete_by, line.title))
    sheet = requirement.sheet(lines)
    sheet.packages = package_lines
    sheet.price = Decimal(str(bundle.get("price", "0")))
    return PlanDocument(
        spec=spec,
        technologist=technologist,
        title=title,
        status="bundle",
        sheet=sheet,
        bundle_label=str(bundle.get("label", "")),
    )


def _iso(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _packages_by_document_code(
    codes: Sequence[str], courses: Iterable[Course]
) -> dict[str, Package]:
    if not codes:
        return {}
    plain = {c.rpartition("/")[2] for c in codes} | set(codes)
    provider_ids = {c.provider_id for c in courses}
    found: dict[str, Package] = {}
    packages = list(
        Package.objects.filter(code__in=plain, is_active=True)
        .select_related("provider")
        .prefetch_related("courses")
        .order_by("pk")
    )
    for code in codes:
        provider, _, plain_code = code.rpartition("/")
        matches = [p for p in packages if p.code == code] or [
            p for p in packages if p.code == plain_code and p.provider.code == provider
        ]
        matches.sort(key=lambda p: p.provider_id not in provider_ids)
        if matches:
            found[code] = matches[0]
    return found


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    day: date
    summary: str
    description: str
    url: str = ""


def calendar_ics(events: Sequence[CalendarEvent], *, name: str) -> bytes:
    """An iCalendar file of all-day events; UIDs are stable so re-imports update events."""
    calendar = ICalendar()
    calendar.add("prodid", "-//CQR Planner//plan//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for item in events:
        event = ICalEvent()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", item.summary)
        event.add("description", item.description)
        if item.url:
            event.add("url", item.url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def calendar_events(*, prescription: Prescription, document: PlanDocument) -> list[CalendarEvent]:
    """One all-day event per course still to do (its due date) plus the deadline."""
    events = []
    if document.sheet is not None:
        for line in document.sheet.lines:
            if line.is_done:
                continue
            key = line.course.pk if line.course else line.code
            events.append(
                CalendarEvent(
                    uid=f"cqr-prescription-{prescription.pk}-course-{key}@cqr-planner",
                    day=line.complete_by,
                    summary=f"CE due: {line.title}",
                    description=(
                        f"Complete “{line.title}” ({line.provider}, {line.format_label}) "
                        f"by this day for your {document.discipline} prescription."
                    ),
                    url=line.url,
                )
            )
    if document.is_structured:
        summary = f"Planned application: {prescription}"
        description = "The day you plan to apply: the structured education is done by then."
    else:
        summary = f"CQR deadline: {prescription}"
        description = (
            "The last day of your CQR compliance window. Report your CE to ARRT before it."
        )
    events.append(
        CalendarEvent(
            uid=f"cqr-prescription-{prescription.pk}-deadline@cqr-planner",
            day=prescription.deadline,
            summary=summary,
            description=description,
        )
    )
    if document.spec.biennium_ends_on is not None:
        events.append(
            CalendarEvent(
                uid=f"cqr-prescription-{prescription.pk}-biennium@cqr-planner",
                day=document.spec.biennium_ends_on,
                summary=f"CE biennium ends: {prescription}",
                description="The last day of your CE biennium: the CE credits of this plan "
                "count toward it when earned by then.",
            )
        )
    return events
