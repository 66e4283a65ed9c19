"""The printable plan (templates/pdf/plan.html): from a chosen plan, a run's best bundle,
or a `cqr-recommendation/1` document (`recommend --pdf`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from catalog.models import Course, Package
from core.pdf import PAPERS, render_pdf
from matching.models import MatchingRun
from matching.selectors import bundles_for_run
from plans.selectors.credits import Requirement, Sheet
from plans.selectors.lines import (
    CourseLine,
    PackageLine,
    bundle_lines,
    plan_for_prescription,
    plan_lines,
)
from plans.selectors.pages import (
    ShortfallLine,
    courses_by_document_code,
    deadline_note,
    plan_facts,
    shortfall_lines,
)
from plans.selectors.proof import (
    Proof,
    plan_proof,
    proof_for_recommendation,
    proof_for_run,
    ranked_bundles,
)
from plans.selectors.report import Report, report_from_sheet
from prescriptions.documents import PrescriptionSpec
from prescriptions.models import Prescription
from prescriptions.selectors.wording import today


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
    proof: Proof | None = None
    price_label: str = "Total price"
    price_note: str = ""
    generated_on: date = field(default_factory=today)
    # What to report to ARRT (completed activities, done and left): for a chosen plan.
    report: Report | None = None

    @property
    def discipline(self) -> str:
        d = self.spec.outline.discipline
        return f"{d.name} ({d.code})"

    @property
    def kind_label(self) -> str:
        base = dict(Prescription.Kind.choices).get(self.spec.kind, self.spec.kind)
        if self.spec.obligations:
            count = len(self.spec.obligations)
            return f"{base} and {count} other obligation{'s' if count > 1 else ''}"
        if self.spec.kind == "cqr" and any(e.kind == "total_ce" for e in self.spec.extras):
            return "CQR prescription and biennial CE"
        return base

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
        price = plan_facts(plan, sheet)[0]
        return PlanDocument(
            spec=spec,
            technologist=technologist,
            title=title,
            status="plan",
            sheet=sheet,
            proof=plan_proof(plan),
            price_label=price.label,
            price_note=price.note,
            report=report_from_sheet(sheet),
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
    lines, packages = bundle_lines(bundle)
    sheet = requirement.sheet(lines)
    sheet.packages, sheet.price = packages, bundle.price
    return PlanDocument(
        spec=spec,
        technologist=technologist,
        title=title,
        status="bundle",
        sheet=sheet,
        bundle_label=bundle.label,
        proof=proof_for_run(run, ranked_bundles(run)),
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
    # Every bundle's courses in one query: the proof names each bundle's providers.
    every_code = [str(c) for b in bundles if isinstance(b, Mapping) for c in b.get("courses", [])]
    known = courses_by_document_code(list(dict.fromkeys([*codes, *every_code])), spec)
    courses = {code: known[code] for code in codes if code in known}
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
        proof=proof_for_recommendation(
            document, {code: c.provider_label for code, c in known.items()}
        ),
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


def recommendation_pdf(
    *,
    spec: PrescriptionSpec,
    document: Mapping[str, Any],
    owner_name: str = "",
    paper: str = "letter",
) -> bytes:
    """The printable CE plan of bundle 1 of a `cqr-recommendation/1` document, or a
    one-page shortfall explanation when it is infeasible (`recommend --pdf`, contract §5).
    The same template as the web page's plan.pdf."""
    plan = plan_document_from_recommendation(spec=spec, document=document, technologist=owner_name)
    return render_pdf(
        "pdf/plan.html", {"doc": plan, "paper": paper if paper in PAPERS else "letter"}
    )
