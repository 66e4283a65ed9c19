"""What one plan for every obligation saves: CQR + biennium together vs one after the other.

On the demo catalog (`manage.py seed_demo` in a throwaway SQLite database), for CQR
prescriptions of CT, R, MR and M that also have a biennium to finish (24 CE credits, some
already earned), compare

- joint: ONE plan for the prescription with a `total_ce` extra (contract §6);
- separate: the CQR prescription planned alone, then the biennium remainder planned on its
  own — a second prescription with only the `total_ce` requirement, the first plan's
  courses as completed (so their CE credits count and they are not bought again) and the
  unused courses of packages it bought as owned.

Both use bundle 1 of the engine (`matching.services.recommend`, proven optimal). The joint
plan can never cost more: the two separate plans together are one of its candidates.
Run: .venv/bin/python bench/joint_vs_separate.py [--per-discipline 5] [--seed 8].
Writes bench/results/joint_vs_separate.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recommend_common import RESULTS, Portal, django_setup, machine_note, markdown_table

AS_OF = date(2026, 11, 22)
DISCIPLINES = ("CT", "R", "MR", "M")
BIENNIUM = Decimal(24)
SCENARIOS = [
    ("The whole demo catalog", ()),
    # The demo's free courses belong to a member society; a non-member cannot use them.
    (
        "Without the member society's free courses (exclude_providers: prairie-srt)",
        ("prairie-srt",),
    ),
]


@dataclass
class Case:
    discipline: str
    required: list[tuple[str, Decimal]]
    ce_needed: Decimal
    deadline: date
    exclude: tuple[str, ...] = ()


@dataclass
class Outcome:
    case: Case
    cqr_alone: Decimal
    rest: Decimal
    joint: Decimal
    joint_ce: Decimal
    separate_ce: Decimal
    joint_courses: int
    separate_courses: int

    @property
    def separate(self) -> Decimal:
        return self.cqr_alone + self.rest

    @property
    def saving(self) -> Decimal:
        return self.separate - self.joint


def subcategories_with_courses(code: str) -> list[str]:
    from catalog.models import CreditDistribution

    names = CreditDistribution.objects.filter(
        subcategory__outline__discipline__code=code,
        subcategory__outline__is_current=True,
        course__is_active=True,
        course__cqr_eligible=True,
    ).values_list("subcategory__name", flat=True)
    return sorted(set(names))


def make_cases(rng: random.Random, per_discipline: int) -> list[Case]:
    cases = []
    for code in DISCIPLINES:
        names = subcategories_with_courses(code)
        for _ in range(per_discipline):
            subs = rng.sample(names, k=min(len(names), rng.randint(2, 4)))
            required = [
                (s, Decimal(rng.choice(["0.5", "1", "1.5", "2", "2.5", "3"]))) for s in subs
            ]
            earned = Decimal(rng.choice(["0", "4", "6.5", "10", "12.25"]))
            deadline = AS_OF + timedelta(days=rng.randint(300, 700))
            cases.append(Case(code, required, BIENNIUM - earned, deadline))
    return cases


def document(case: Case, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "cqr-prescription/1",
        "discipline": case.discipline,
        "issued_on": "2026-09-01",
        "deadline": case.deadline.isoformat(),
        "as_of": AS_OF.isoformat(),
        "required": [{"category": s, "credits": f"{c:.2f}"} for s, c in case.required],
        "exclude_providers": list(case.exclude),
    }
    doc.update(extra)
    return doc


class Infeasible(Exception):
    pass


def best(doc: dict[str, Any]) -> Any:
    """Bundle 1 and its recommendation; fails loudly unless proven optimal."""
    from matching.services.problem import recommend
    from prescriptions.documents import prescription_spec_from_document

    rec = recommend(prescription_spec_from_document(doc), time_limit=60)
    status = rec.document["status"]
    if status == "infeasible":
        raise Infeasible(rec.document["shortfall"])
    if status != "optimal":
        raise RuntimeError(f"{status}: {rec.document.get('shortfall') or rec.document}")
    return rec.document["bundles"][0], rec


def unused_package_members(bundle: dict[str, Any], rec: Any) -> list[str]:
    """Courses of packages the first plan bought but does not take: already paid for."""
    from catalog.models import Course

    taken = set(bundle["courses"])
    ids = [rec.index.packages[p["code"]].id for p in bundle["purchases"] if p["kind"] == "package"]
    courses = Course.objects.filter(packages__id__in=ids, is_active=True).select_related("provider")
    owned = [
        f"{c.provider_code_label}/{c.code}"
        for c in courses
        if c.code not in taken and f"{c.provider_code_label}/{c.code}" not in taken
    ]
    return sorted(set(owned))


def run_case(case: Case) -> Outcome | None:
    """None when the prescription cannot be met at all (the catalog is too small)."""
    total_ce = [{"kind": "total_ce", "credits": f"{case.ce_needed:.2f}"}]
    try:
        first, first_rec = best(document(case))
    except Infeasible:
        return None
    joint, _ = best(document(case, extra=total_ce))
    # The remainder: the same biennium need; the first plan's courses count as completed
    # (their CE credits are subtracted, contract §6) and are never bought again.
    rest_doc = document(
        case,
        required=[],
        extra=total_ce,
        completed=first["courses"],
        owned=unused_package_members(first, first_rec),
    )
    rest, _ = best(rest_doc)
    return Outcome(
        case=case,
        cqr_alone=Decimal(first["price"]),
        rest=Decimal(rest["price"]),
        joint=Decimal(joint["price"]),
        joint_ce=Decimal(joint["ce_credits"]),
        separate_ce=Decimal(first["ce_credits"]) + Decimal(rest["ce_credits"]),
        joint_courses=len(joint["courses"]),
        separate_courses=len(first["courses"]) + len(rest["courses"]),
    )


def table(outcomes: list[Outcome], skipped: int) -> list[str]:
    rows = []
    for n, o in enumerate(outcomes, 1):
        required = ", ".join(f"{s} {c:.2f}" for s, c in o.case.required)
        rows.append(
            [
                n,
                o.case.discipline,
                required,
                f"{o.case.ce_needed:.2f}",
                f"${o.cqr_alone:.2f}",
                f"${o.rest:.2f}",
                f"${o.separate:.2f} ({o.separate_courses})",
                f"${o.joint:.2f} ({o.joint_courses})",
                f"${o.saving:.2f}",
                f"{o.saving / o.separate * 100:.1f}%" if o.separate else "—",
            ]
        )
    separate = sum((o.separate for o in outcomes), Decimal(0))
    joint = sum((o.joint for o in outcomes), Decimal(0))
    cheaper = sum(1 for o in outcomes if o.saving > 0)
    header = [
        "#",
        "discipline",
        "CQR prescription (credits per subcategory)",
        "CE still needed",
        "CQR alone",
        "biennium rest",
        "separate total (courses)",
        "joint (courses)",
        "saving",
        "saving %",
    ]
    saving = separate - joint
    return [
        markdown_table(header, rows),
        "",
        f"**Total: separate ${separate:.2f}, joint ${joint:.2f}: the joint plan saves "
        f"${saving:.2f} ({saving / separate * 100:.1f} %)**; it is cheaper in "
        f"{cheaper} of {len(outcomes)} cases and never dearer. Mean saving per "
        f"prescription ${saving / len(outcomes):.2f}."
        + (
            f" {skipped} drawn prescription(s) that no course set can meet even without the "
            "biennium were left out."
            if skipped
            else ""
        ),
    ]


def report(scenarios: list[tuple[str, list[Outcome], int]], seconds: float, seed: int) -> str:
    solves = sum(len(outcomes) * 3 + skipped for _, outcomes, skipped in scenarios)
    lines = [
        "# One plan for CQR and the biennium vs two plans in a row",
        "",
        "`bench/joint_vs_separate.py` on the demo catalog (`seed_demo`, "
        f"seed {seed} for the prescriptions). Each row is a CQR prescription with a "
        "biennium to finish (24 CE credits less what was already earned). "
        "**Separate**: bundle 1 for the CQR prescription alone, then bundle 1 for the "
        "CE credits still missing (its courses completed, unused package courses owned). "
        "**Joint**: bundle 1 for the prescription with a `total_ce` extra (contract §6), "
        "every course counted once toward both. All plans are proven optimal; no "
        "weekly-hours limit. Planning date "
        f"{AS_OF.isoformat()}, deadlines 10–23 months ahead. Prices with the number "
        "of courses taken in brackets.",
        "",
    ]
    for title, outcomes, skipped in scenarios:
        lines += [f"## {title}", "", *table(outcomes, skipped), ""]
    lines += [
        "Why the saving is small on the whole catalog: it sells CE cheaply (a member "
        "society's 7 free courses give 14.50 CE credits; paid courses start at $2.50 per CE "
        "credit), so the CE still missing after a CQR plan costs little, and many CQR plans "
        "already bring most of the CE credits. Without the free courses the remainder costs "
        "real money, and the joint plan gains wherever courses that count toward the "
        "prescription AND bring more CE credits replace a CQR course plus separate CE "
        "courses (second table).",
        "",
        f"{solves} solves in {seconds:.1f} s. {machine_note()}.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-discipline", type=int, default=5)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        portal = Portal(Path(tmp))
        portal.migrate()
        portal.manage("seed_demo")
        django_setup(portal.db)
        cases = make_cases(random.Random(args.seed), args.per_discipline)
        began = time.perf_counter()
        scenarios = []
        for title, exclude in SCENARIOS:
            results = [run_case(replace(case, exclude=exclude)) for case in cases]
            outcomes = [o for o in results if o is not None]
            for o in outcomes:
                if o.joint > o.separate:
                    raise RuntimeError(f"joint plan dearer than separate plans: {o}")
            scenarios.append((title, outcomes, len(results) - len(outcomes)))
        seconds = time.perf_counter() - began
    text = report(scenarios, seconds, args.seed)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "joint_vs_separate.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
