"""Deterministic demo demand: shared CQR prescriptions from fictional technologists.

For the insights dashboard on the demo catalog. Each prescription is built as a
`cqr-prescription/1` document from `random.Random(seed)`, so the same seed and anchor date
give the same documents; `seed_demo_demand` saves them through the normal
`prescription_create` service (matching runs included).

Demand is shaped like real CQR prescriptions: a few subcategory *profiles* (sets prescribed
together) are much more common than others, and credits are whole or half credits.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

DEMO_DEMAND_SEED = 7
# Prescriptions per discipline: CT has enough for most heat-map cells to show, R for some,
# MR so few that most of its figures stay hidden (what suppression looks like).
DEMO_DEMAND: Mapping[str, int] = {"CT": 64, "R": 20, "MR": 10}
# Deadlines fall within this many days after the anchor date (about five quarters).
DEADLINE_WINDOW = (30, 450)
# One prescription in UNSHARED_EVERY is not shared (it must never count).
UNSHARED_EVERY = 8
CREDIT_CHOICES = (Decimal("0.5"), Decimal("1.0"), Decimal("1.0"), Decimal("1.5"), Decimal("2.0"))


@dataclass(frozen=True)
class DemoPrescription:
    username: str
    title: str
    share: bool
    document: dict[str, Any]


def _profiles(rng: random.Random, names: Sequence[str]) -> list[tuple[tuple[str, ...], int]]:
    """Subcategory sets with Zipf-like weights: the first is the most common."""
    count = min(5, max(1, len(names) - 1))
    profiles: list[tuple[tuple[str, ...], int]] = []
    seen: set[tuple[str, ...]] = set()
    while len(profiles) < count:
        size = rng.randint(2, min(4, len(names))) if len(names) > 1 else 1
        chosen = tuple(sorted(rng.sample(list(names), size), key=list(names).index))
        if chosen in seen:
            continue
        seen.add(chosen)
        profiles.append((chosen, 12 // (len(profiles) + 1)))
    return profiles


def demo_demand(
    *,
    outlines: Mapping[str, Sequence[str]],
    today: date,
    seed: int = DEMO_DEMAND_SEED,
    limit: int | None = None,
) -> list[DemoPrescription]:
    """The demo prescriptions for the disciplines of DEMO_DEMAND present in `outlines`
    ({discipline code: current subcategory names in outline order}); with `limit`, only
    the first `limit` of each discipline (the same ones as without it)."""
    rng = random.Random(seed)  # noqa: S311 - fictional demo data, not security
    result: list[DemoPrescription] = []
    for code, count in DEMO_DEMAND.items():
        names = list(outlines.get(code, ()))
        if not names:
            continue
        profiles = _profiles(rng, names)
        weights = [w for _, w in profiles]
        for number in range(1, count + 1):
            subcategories = rng.choices([p for p, _ in profiles], weights=weights)[0]
            issued = today - timedelta(days=rng.randint(30, 400))
            deadline = today + timedelta(days=rng.randint(*DEADLINE_WINDOW))
            required = [
                {"category": name, "credits": str(rng.choice(CREDIT_CHOICES))}
                for name in subcategories
            ]
            if limit is not None and number > limit:
                continue
            result.append(
                DemoPrescription(
                    username=f"demo-rt-{number:02d}",
                    title=f"Demo shared {code} prescription",
                    share=number % UNSHARED_EVERY != 0,
                    document={
                        "format": "cqr-prescription/1",
                        "discipline": code,
                        "issued_on": issued.isoformat(),
                        "deadline": deadline.isoformat(),
                        "as_of": today.isoformat(),
                        "required": required,
                    },
                )
            )
    return result
