"""Credit accounting: a prescription's needs and what completed courses and a list of
course lines give toward each (`Requirement` -> `Sheet`), so every page prints one set of
numbers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from catalog.models import Course, CreditDistribution
from core.money import from_hundredths, to_hundredths
from matching.solver.eligibility import counts_toward
from obligations.models import UNCONFIRMED_TEXT
from plans.selectors.lines import CourseLine, PackageLine
from prescriptions.documents import PrescriptionSpec
from prescriptions.obligation_extras import ObligationInfo
from prescriptions.selectors.wording import ZERO, amount

MINIMUMS_GROUP = "Structured education minimums"


TOTALS_GROUP = "Totals"


EXTRA_LABELS = {
    "total_ce": "Biennial CE credits",
    "total_discipline": "All credits in the discipline",
}


# Needs shown as what is still needed after the completed courses: the technologist gives
# the CE credits still needed this biennium, so completed courses are not listed again.
NET_OF_COMPLETED = frozenset({"total_ce"})


@dataclass(frozen=True)
class Need:
    """One line of the requirement: a subcategory or an extra total."""

    key: str
    label: str
    group: str
    required: Decimal
    kind: str = ""  # an extra's kind ("" for a subcategory)
    major: str = ""  # major_minimum: the major category
    tags: tuple[str, ...] = ()  # tag_minimum: the tags that count
    deadline: date | None = None  # an extra's own deadline
    obligation: str = ""  # the planned obligation it belongs to (ExtraSpec.group)


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


class Requirement:
    """A prescription's needs (from its spec) and each course's contribution to them."""

    def __init__(self, spec: PrescriptionSpec) -> None:
        self.spec = spec
        self.names = spec.subcategory_names
        needs: list[Need] = []
        for sub, credits in spec.required:
            key = self.names.canonical(sub.id) or sub.name
            group = self.names.majors.get(key, "")
            needs.append(Need(key=key, label=key, group=group, required=credits))
        discipline = spec.outline.discipline
        for extra in spec.extras:
            if extra.kind == "major_minimum":
                prefix = f"{extra.label}: " if extra.label else ""
                needs.extend(
                    Need(
                        key=extra.key(major),
                        label=f"{prefix}{major} (major category)",
                        group=MINIMUMS_GROUP,
                        required=extra.credits,
                        kind=extra.kind,
                        major=major,
                        deadline=extra.deadline,
                        obligation=extra.group,
                    )
                    for major in dict.fromkeys(self.names.majors.values())
                )
            else:
                label = extra.label or EXTRA_LABELS.get(extra.kind, extra.kind)
                if extra.kind == "total_discipline" and not extra.label:
                    label = f"All {discipline.name} credits"
                if extra.kind == "tag_minimum" and not extra.label:
                    label = f"Credits tagged {', '.join(extra.tags)}"
                needs.append(
                    Need(
                        key=extra.key(),
                        label=label,
                        group=TOTALS_GROUP,
                        required=extra.credits,
                        kind=extra.kind,
                        tags=extra.tags,
                        deadline=extra.deadline,
                        obligation=extra.group,
                    )
                )
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
        if label.split(" ", 1)[0].isupper():
            return label  # an acronym keeps its capitals: "CQR credits", not "cQR credits"
        return label[:1].lower() + label[1:]

    @property
    def subcategory_keys(self) -> list[str]:
        return [n.key for n in self.needs if not n.kind]

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
        # Courses read with their credit rows (`plans.selectors.lines.item_course`) carry
        # them; the others' rows are one query.
        known = {c.pk: c.credit_rows for c in courses if hasattr(c, "credit_rows")}
        discipline = self.names.all_ids()
        rows: list[tuple[int, int, Decimal]] = [
            (course_id, sub_id, credits)
            for course_id, course_rows in known.items()
            for sub_id, credits in course_rows
            if sub_id in discipline
        ]
        if ids - known.keys():
            rows.extend(
                CreditDistribution.objects.filter(
                    course_id__in=ids - known.keys(), subcategory_id__in=discipline
                ).values_list("course_id", "subcategory_id", "credits")
            )
        # The one rule for a course's credits across outline versions (catalog.credits).
        hundredths = self.names.course_credits(
            (course_id, sub_id, to_hundredths(credits)) for course_id, sub_id, credits in rows
        )
        by_sub = {
            course_id: {key: from_hundredths(value) for key, value in subs.items()}
            for course_id, subs in hundredths.items()
        }
        for course in courses:
            subs = by_sub.get(course.pk, {})
            values: dict[str, Decimal] = {}
            for need in self.needs:
                if need.kind == "total_ce":
                    values[need.key] = course.ce_credits
                elif need.kind == "tag_minimum":
                    tagged = set(need.tags) & set(course.tags or ())
                    values[need.key] = course.ce_credits if tagged else ZERO
                elif need.kind == "total_discipline":
                    values[need.key] = sum(subs.values(), ZERO)
                elif need.kind == "major_minimum":
                    values[need.key] = sum(
                        (v for k, v in subs.items() if self.names.majors.get(k) == need.major),
                        ZERO,
                    )
                else:
                    values[need.key] = subs.get(need.key, ZERO)
            values["_cqr"] = sum(subs.values(), ZERO)
            self._cache[course.pk] = values

    def sheet(
        self, lines: Sequence[CourseLine], *, stored: Mapping[str, str] | None = None
    ) -> Sheet:
        """Tallies for the needs: completed courses + `lines` (done ones count as done).
        `stored`: the engine's credits of these (planned) lines per requirement key
        (`Bundle.credits`), shown as they are rather than added up again."""
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
            if tally.need.kind in NET_OF_COMPLETED and not tally.need.obligation:
                still = max(ZERO, tally.need.required - tally.completed)
                tally.need = replace(tally.need, required=still)
                tally.completed = ZERO
        deadlines = {n.key: n.deadline or self.spec.plan_deadline for n in self.needs}
        for line in lines:
            if line.course is None:
                line.cells = [None for _ in self.needs]
                continue
            line.credits = contrib.get(line.course.pk, {})
            # A course counts toward a requirement only when done (or planned to be done)
            # by that requirement's deadline: the solver's rule.
            finished = line.done_on if line.is_done and line.done_on else line.complete_by
            counted = {
                key: value
                for key, value in line.credits.items()
                if key in deadlines and counts_toward(line.course, deadlines[key], finished)
            }
            line.cells = [counted.get(n.key) or None for n in self.needs]
            line.credit_items = [
                (n.label, v) for n, v in zip(self.needs, line.cells, strict=True) if v
            ]
            for tally in tallies:
                value = counted.get(tally.need.key, ZERO)
                if line.is_done:
                    tally.done += value
                else:
                    tally.planned += value
        for tally in tallies:
            # A key the run did not store (a run older than the key): added up.
            if stored is not None and tally.need.key in stored:
                tally.planned = Decimal(stored[tally.need.key])
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
                if not t.need.kind
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
        subcategories, the biennial CE, the discipline totals (structured education), and
        every obligation planned with it (biennium, licence, MQSA) with its own deadline."""
        spec = self.requirement.spec
        code = spec.outline.discipline.code
        own = [t for t in self.tallies if not t.need.obligation]
        subs = [t for t in own if not t.need.kind]
        by_key = {t.need.key: t for t in own}
        majors = [t for t in own if t.need.kind == "major_minimum"]
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
                    deadline=spec.plan_deadline,
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
                    deadline=ce.need.deadline or spec.plan_deadline,
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
                    deadline=spec.plan_deadline,
                )
            )
        # Labelled requirements of this prescription that are none of the above.
        shown = {"total_ce", "total_discipline"}
        result.extend(
            _single(t, t.need.label, code, spec.plan_deadline)
            for t in own
            if t.need.kind and t.need.kind != "major_minimum" and t.need.key not in shown
        )
        for info in spec.obligations:
            group = [t for t in self.tallies if t.need.obligation == info.key]
            if group:
                result.append(_planned_obligation(info, group, code))
        return result


def _unit(need: Need, code: str) -> str:
    return "CE credits" if need.kind in {"total_ce", "tag_minimum"} else f"credits in {code}"


def _single(tally: Tally, title: str, code: str, deadline: date) -> Obligation:
    return Obligation(
        title=title,
        unit=_unit(tally.need, code),
        total=tally.total,
        required=tally.need.required,
        deadline=tally.need.deadline or deadline,
    )


def _short_label(label: str) -> str:
    """A requirement's label without its obligation's name ("Texas MRT: 12 hours ..." ->
    "12 hours ..."), for a part listed under that obligation."""
    return label.split(": ", 1)[1] if ": " in label else label


def _planned_obligation(info: ObligationInfo, group: list[Tally], code: str) -> Obligation:
    """An obligation planned with the prescription: its first requirement is the headline
    (e.g. 24 CE credits), the others its parts (topic shares, one per major category)."""
    head, rest = group[0], group[1:]
    majors = [t for t in rest if t.need.kind == "major_minimum"]
    if head.need.kind == "major_minimum":
        majors, rest = group, []
    others = [t for t in rest if t.need.kind != "major_minimum"]
    parts = tuple(
        ObligationPart(_short_label(t.need.label), t.total, t.need.required) for t in others
    ) + tuple(ObligationPart(t.need.major, t.total, t.need.required) for t in majors)
    if majors and not others:
        intro = f"at least {amount(majors[0].need.required)} in each major category"
    else:
        intro = "of which"
    if head.need.kind == "major_minimum":
        total = sum((min(t.total, t.need.required) for t in majors), ZERO)
        required = sum((t.need.required for t in majors), ZERO)
    else:
        total, required = head.total, head.need.required
    return Obligation(
        title=info.title,
        unit=_unit(head.need, code),
        total=total,
        required=required,
        parts=parts,
        parts_intro=intro,
        part_required_shown=not (majors and not others),
        deadline=info.deadline,
        due_label=info.due_label,
        headline=_short_label(head.need.label) if head.need.kind != "major_minimum" else "",
        confirmed=info.confirmed,
        source=info.source,
        source_title=info.source_title,
    )


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
    deadline: date | None = None  # by when
    due_label: str = "Due by"
    headline: str = ""  # what the total measures, e.g. "24 CE hours per biennial renewal"
    # An obligation from a template: whether its rules are confirmed, and where from.
    confirmed: bool | None = None
    source: str = ""
    source_title: str = ""

    @property
    def status_text(self) -> str:
        if self.confirmed is None:
            return ""
        return "confirmed" if self.confirmed else UNCONFIRMED_TEXT

    @property
    def met(self) -> bool:
        return self.total >= self.required and all(part.met for part in self.parts)

    @property
    def shortfall(self) -> Decimal:
        return max(ZERO, self.required - self.total)
