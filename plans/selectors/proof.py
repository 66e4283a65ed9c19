"""What the engine proved about a run, in plain words, for the bundles page, the plan and
the PDF: bundle 1 is the cheapest plan in the catalog (or how close it is when the time
limit stopped the search), how much it saves against buying from one provider, and how
much of the catalog was searched. Computed here once; templates only print it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.utils import timezone

from catalog.selectors import catalog_active_course_counts
from matching.models import Bundle, MatchingRun
from prescriptions.selectors.wording import ZERO, human_date

SINGLE_PROVIDER = "single provider: "
SINGLE_PROVIDER_NOTE = "single_provider_search"  # matching.solver.alternatives
CENT = Decimal("0.01")


def bundle_label(label: str, providers: Sequence[str]) -> str:
    """A bundle's label as pages print it: capitalised, and "single provider: <code>"
    with the provider's name."""
    if label.startswith(SINGLE_PROVIDER) and len(providers) == 1:
        label = SINGLE_PROVIDER + providers[0]
    return label[:1].upper() + label[1:]


@dataclass(frozen=True)
class Ranked:
    """One bundle as the proof needs it."""

    rank: int
    label: str  # as printed (bundle_label)
    price: Decimal
    providers: tuple[str, ...]  # provider names


@dataclass(frozen=True)
class Proof:
    headline: str
    details: tuple[str, ...]
    proved: bool  # bundle 1 is a proven cheapest plan (else the time limit stopped it)


def money_text(value: Decimal) -> str:
    return f"${value.quantize(CENT):,}"


def proof_of(
    *,
    outcome: str,
    gap: float | None,
    bundles: Sequence[Ranked],
    catalog_on: date | None,
    searched: int | None = None,
    catalog_size: int | None = None,
    own_courses: int = 0,
    single_search: str | None = None,
) -> Proof | None:
    """The sentences for an optimal or time-limited (feasible) result; None otherwise.
    `catalog_size`: the catalog's active courses; `own_courses`: the owner's own, apart."""
    if outcome not in {"optimal", "feasible"} or not bundles:
        return None
    first = bundles[0]
    catalog = f"the catalog of {human_date(catalog_on)}" if catalog_on else "the catalog"
    if own_courses:  # the search took them too: "no combination of courses in" says so
        catalog += " and your own courses"
    if outcome == "optimal" and first.price <= 0:
        headline = (
            "Bundle 1 costs nothing: the courses you completed or already own cover what it "
            "needs, so no plan can cost less."
        )
    elif outcome == "optimal":
        headline = (
            f"Proved cheapest: no combination of courses in {catalog} meets this "
            f"prescription for less than {money_text(first.price)} (bundle 1)."
        )
    else:
        share = Decimal(str(gap or 0))
        bound = max(ZERO, (first.price * (1 - share)).quantize(CENT, rounding=ROUND_FLOOR))
        headline = (
            f"Not proved cheapest: the search stopped at its time limit. Bundle 1 costs "
            f"{money_text(first.price)}, and no combination of courses in {catalog} can cost "
            f"less than {money_text(bound)}, so bundle 1 is at most "
            f"{share * 100:.1f}% above the cheapest possible."
        )
    details = [_single_provider_sentence(bundles, single_search)]
    if searched is not None:
        of = _out_of(catalog_size or 0, own_courses)
        details.append(
            f"The engine searched {searched:,} course{'s' if searched != 1 else ''} with "
            f"credit toward this prescription{of}, and every way of combining them and their "
            "packages."
            if outcome == "optimal"
            else f"The engine searched {searched:,} course{'s' if searched != 1 else ''} with "
            f"credit toward this prescription{of}."
        )
    return Proof(
        headline=headline, details=tuple(d for d in details if d), proved=outcome == "optimal"
    )


def _out_of(catalog: int, own: int) -> str:
    """ ", out of 5 active courses in the catalog and 1 of your own": own courses apart."""
    parts = [f"{catalog:,} active course{'s' if catalog != 1 else ''} in the catalog"]
    if own:
        parts.append(f"{own:,} of your own")
    return ", out of " + " and ".join(parts) if catalog or own else ""


def _single_provider_sentence(bundles: Sequence[Ranked], single_search: str | None) -> str:
    first = bundles[0]
    if len(first.providers) == 1:
        return (
            f"Bundle 1 already comes from a single provider, {first.providers[0]}: nothing "
            "is saved by buying elsewhere."
        )
    singles = [b for b in bundles[1:] if len(b.providers) == 1]
    if singles:
        best = min(singles, key=lambda b: (b.price, b.rank))
        saving = best.price - first.price
        which = (
            "The cheapest plan from a single provider"
            if single_search == "complete"
            else "The cheapest single-provider plan found"
        )
        if saving <= 0:
            return (
                f"{which}, from {best.providers[0]} (bundle {best.rank}), costs "
                f"{money_text(best.price)}, the same as bundle 1."
            )
        return (
            f"{which}, from {best.providers[0]} (bundle {best.rank}), costs "
            f"{money_text(best.price)}: mixing providers saves you {money_text(saving)}."
        )
    if single_search == "complete":
        return (
            "No single provider offers courses that meet this whole prescription, so there "
            "is no single-provider plan to compare with: mixing providers is the only way."
        )
    if single_search == "stopped":
        return (
            "The search for a plan from a single provider stopped at its time limit without "
            "finding one, so the saving against one provider is not known."
        )
    return ""


def run_catalog_date(run: MatchingRun) -> date | None:
    when = run.finished_at or run.started_at
    return timezone.localtime(when).date() if when else None


def proof_for_run(run: MatchingRun, bundles: Sequence[Ranked]) -> Proof | None:
    stats: Mapping[str, Any] = run.stats if isinstance(run.stats, Mapping) else {}
    searched = stats.get("loaded_courses")
    single = stats.get(SINGLE_PROVIDER_NOTE)
    # The catalog's size and the owner's own courses when the run searched them (runs
    # stored before both were kept apart: now).
    catalog, own = stats.get("catalog_courses"), stats.get("own_courses")
    if not (isinstance(catalog, int) and isinstance(own, int)):
        catalog, own = catalog_active_course_counts(run.prescription.owner_id)
    return proof_of(
        outcome=run.outcome,
        gap=run.gap,
        bundles=bundles,
        catalog_on=run_catalog_date(run),
        searched=searched if isinstance(searched, int) else None,
        catalog_size=catalog,
        own_courses=own,
        single_search=single if isinstance(single, str) else None,
    )


def ranked_bundles(run: MatchingRun) -> list[Ranked]:
    """The run's bundles with their providers' names: one query (a row per scheduled
    course, one for a bundle without any)."""
    rows = (
        Bundle.objects.filter(run=run)
        .order_by("rank", "items__position")
        .values_list(
            "rank",
            "label",
            "price",
            "items__course_id",
            "items__course__provider__name",
            "items__course__provider_name",
        )
    )
    bundles: dict[int, tuple[str, Decimal, set[str]]] = {}
    for rank, label, price, course_id, provider, typed in rows:
        _, _, names = bundles.setdefault(rank, (label, price, set()))
        if course_id is not None:
            # Course.provider_label: the provider's name, or a private course's typed one.
            names.add(provider if provider is not None else typed)
    result = []
    for rank, (label, price, names) in bundles.items():
        providers = tuple(sorted(names))
        result.append(
            Ranked(
                rank=rank,
                label=bundle_label(label, providers),
                price=price,
                providers=providers,
            )
        )
    return result


def plan_proof(plan: Any) -> Proof | None:
    """The proof of the run a plan was chosen from, and which of its bundles was chosen."""
    bundle = plan.bundle if plan is not None and plan.bundle_id else None
    if bundle is None:
        return None
    ranked = ranked_bundles(bundle.run)
    proof = proof_for_run(bundle.run, ranked)
    if proof is None:
        return None
    chosen = next((r for r in ranked if r.rank == bundle.rank), None)
    if chosen is None or chosen.rank == 1:
        return proof
    delta = chosen.price - ranked[0].price
    more = f", {money_text(delta)} more than bundle 1" if delta > 0 else ""
    return Proof(
        headline=proof.headline,
        details=(f"You chose bundle {chosen.rank} ({chosen.label}){more}.", *proof.details),
        proved=proof.proved,
    )


def proof_for_recommendation(
    document: Mapping[str, Any], providers_of: Mapping[str, str]
) -> Proof | None:
    """The proof of a `cqr-recommendation/1` document (`recommend --pdf`): computed now,
    from today's catalog. `providers_of` maps the document's course codes to provider
    names."""
    ranked: list[Ranked] = []
    for entry in document.get("bundles") or []:
        if not isinstance(entry, Mapping):
            continue
        providers = tuple(
            sorted({providers_of[c] for c in entry.get("courses", []) if c in providers_of})
        )
        ranked.append(
            Ranked(
                rank=int(entry.get("rank", len(ranked) + 1)),
                label=bundle_label(str(entry.get("label", "")), providers),
                price=Decimal(str(entry.get("price", "0"))),
                providers=providers,
            )
        )
    gap = document.get("gap")
    return proof_of(
        outcome=str(document.get("status", "")),
        gap=float(gap) if isinstance(gap, int | float) else None,
        bundles=ranked,
        catalog_on=timezone.localdate(),
        catalog_size=catalog_active_course_counts().catalog,
    )
