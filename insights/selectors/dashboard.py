"""The provider dashboard page model: the provider's disciplines and each panel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef

from catalog.models import (
    CreditDistribution,
    Discipline,
    Provider,
)
from insights.selectors.demand import Demand, demand_for_discipline, outline_map
from insights.selectors.supply import SupplyRow, Uses, gaps, supply_for_provider, uses_for_provider
from prescriptions.models import Prescription


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
