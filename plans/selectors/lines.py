"""Course and package lines as the pages and the PDF show them, built from a bundle or
a chosen plan (what was bought how, due dates, warnings)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch

from catalog.models import Course, CourseFormat, Package
from core.db_json import json_rows
from matching.models import Bundle, BundleCourse, BundlePurchase
from matching.selectors import bundle_contents_prefetch, course_credit_rows
from plans.models import Plan, PlanItem
from prescriptions.models import Prescription
from prescriptions.selectors.wording import ZERO, amount, human_date

WARN_DAYS = 30


FORMAT_LABELS = dict(CourseFormat.choices)


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
    certificate_name: str = ""  # the attached certificate's original name ("" when none)
    credits: dict[str, Decimal] = field(default_factory=dict)
    cells: list[Decimal | None] = field(default_factory=list)
    credit_items: list[tuple[str, Decimal]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.course.title if self.course else f"{self.code} (no longer in the catalog)"

    @property
    def provider(self) -> str:
        return self.course.provider_label if self.course else ""

    @property
    def added_by_you(self) -> bool:
        """A course the technologist added themselves (never in the catalog)."""
        return self.course is not None and self.course.owner_id is not None

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS.get(self.course.format, self.course.format) if self.course else ""

    @property
    def event_date(self) -> date | None:
        """The one day a webinar or live event takes place (None for self-paced courses):
        it is shown as "takes place on", never "complete by"."""
        return self.course.event_date if self.course else None

    @property
    def when_text(self) -> str:
        if self.event_date is not None:
            return f"Takes place on {human_date(self.event_date)}"
        return f"Complete by {human_date(self.complete_by)}"

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
    def has_certificate(self) -> bool:
        return self.is_done and bool(self.certificate_name)

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


def package_members(bundles: Iterable[Bundle]) -> dict[int, list[int]]:
    """package id -> member course ids (in the package's order), for every package the
    bundles buy: read with their prefetched purchases (`package_member_rows`,
    matching.selectors.bundle_contents_prefetch), else one query, also when none buys a
    package (so a page costs the same whatever its bundles hold)."""
    bundles = list(bundles)
    members: dict[int, list[int]] = defaultdict(list)
    if not bundles:
        return members
    # Django's prefetch cache: purchases read with the bundle, not a query of their own.
    if all("purchases" in getattr(b, "_prefetched_objects_cache", {}) for b in bundles):
        purchases = [p for b in bundles for p in b.purchases.all()]
        if all(hasattr(p, "package_member_rows") for p in purchases):
            for purchase in purchases:
                if purchase.package_id is not None:
                    text = getattr(purchase, "package_member_rows", None)
                    rows = sorted(json_rows(text))
                    members[purchase.package_id] = [course_id for _, course_id in rows]
            return members
    bought = BundlePurchase.objects.filter(
        bundle_id__in=[b.pk for b in bundles], package__isnull=False
    )
    for package_id, course_id in (
        Package.courses.through.objects.filter(package_id__in=bought.values("package_id"))
        .order_by("id")
        .values_list("package_id", "course_id")
    ):
        members[package_id].append(course_id)
    return members


_MISSING = object()


def item_course(item: BundleCourse | PlanItem) -> Course | None:
    """The item's course; when the item was read with its course's credit rows
    (`course_credit_rows`, matching.selectors.course_credit_rows) the course carries them
    as `credit_rows` [(subcategory id, credits)], which `Requirement` reads instead of a
    query."""
    course = item.course
    text = getattr(item, "course_credit_rows", _MISSING)
    if course is not None and (text is None or isinstance(text, str)):
        course.credit_rows = [  # type: ignore[attr-defined]
            (int(sub_id), Decimal(credits)) for sub_id, credits in json_rows(text)
        ]
    return course


def bundle_lines(
    bundle: Bundle, members: Mapping[int, list[int]] | None = None
) -> tuple[list[CourseLine], list[PackageLine]]:
    packages_by_course: dict[int, str] = {}
    package_lines: list[PackageLine] = []
    alone: dict[int, Decimal] = {}
    if members is None:
        members = package_members([bundle])
    items = [(item, item_course(item)) for item in bundle.items.all()]
    titles = {item.course_id: course.title for item, course in items if course}
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
    for item, course in items:
        line = CourseLine(
            course=course,
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


def plan_for_prescription(prescription: Prescription) -> Plan | None:
    """The plan with its items and the chosen bundle's contents and run (the plan page,
    its PDF and the report read them all): a fixed number of queries."""
    return (
        Plan.objects.filter(prescription=prescription)
        .select_related("bundle__run")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=PlanItem.objects.select_related(
                    "course__provider", "certificate"
                ).annotate(course_credit_rows=course_credit_rows()),
            ),
            *bundle_contents_prefetch("bundle__"),
        )
        .first()
    )


def plan_lines(plan: Plan, *, today: date) -> list[CourseLine]:
    """The plan's items as lines, with due-date and approval warnings."""
    lines = []
    purchases: dict[int, tuple[str, Decimal | None, str, date | None]] = {}
    if plan.bundle is not None:
        lines_of_bundle, _ = bundle_lines(plan.bundle)
        purchases = {
            line.course.pk: (line.paid_as, line.price, line.package_title, line.start_by)
            for line in lines_of_bundle
            if line.course is not None
        }
    for item in plan.items.all():
        paid_as, price, package_title, start_by = purchases.get(
            item.course_id, ("", None, "", None)
        )
        course = item_course(item)
        assert course is not None  # a plan item always has its course
        line = CourseLine(
            course=course,
            code=course.code,
            complete_by=item.complete_by,
            # The bundle's suggested start, for a course still to do (calendar, PDF).
            start_by=start_by if item.status == PlanItem.Status.PLANNED else None,
            status=item.status,
            done_on=item.done_on,
            item_id=item.pk,
            paid_as=paid_as,
            price=price,
            package_title=package_title,
        )
        certificate = getattr(item, "certificate", None)
        if certificate is not None:
            line.certificate_name = certificate.original_name or "certificate"
        line.warnings = item_warnings(item, today=today)
        lines.append(line)
    return lines


def item_warnings(item: PlanItem, *, today: date) -> list[str]:
    """Plain-words warnings for a planned course (none once it is done)."""
    if item.status == PlanItem.Status.DONE:
        return []
    warnings = []
    course = item.course
    days = (item.complete_by - today).days
    if course.event_date is not None:
        days = (course.event_date - today).days
        if 0 <= days <= WARN_DAYS:
            when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
            warnings.append(f"Takes place {when} ({human_date(course.event_date)}).")
    elif days < 0:
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
        warnings.append(
            f"The event took place on {human_date(course.event_date)}: mark it done if you "
            "attended, else re-plan the rest."
        )
    if not course.is_active:
        warnings.append("The provider no longer offers this course. Re-plan the rest.")
    return warnings
