"""Plans -> public Bundles (credits report, schedule, price delta)."""

from __future__ import annotations

from collections.abc import Sequence

from .instance import Instance
from .model import Bundle
from .plan import Plan, as_purchases
from .schedule import least_slack, order, schedule


def credits_report(inst: Instance, plan: Plan) -> dict[str, int]:
    """Uncapped credits of the taken courses per requirement key (completed not included,
    compare with Result.remaining, which already subtracts them).  A course counts toward
    a key only when the plan completes it by that requirement's deadline."""
    totals = dict.fromkeys(inst.remaining, 0)
    for i in plan.taken:
        done = plan.done_day(inst, i)
        for key, amount in inst.contrib.of(inst.courses[i]).items():
            if key in totals and amount and inst.counted_for(i, key, done):
                totals[key] += amount
    return totals


def to_bundle(inst: Instance, plan: Plan, rank: int, label: str, base_price: int) -> Bundle:
    items = schedule(inst, plan)
    return Bundle(
        rank=rank,
        label=label,
        price=plan.price,
        price_delta=plan.price - base_price,
        hours=plan.hours,
        ce_credits=sum(inst.courses[i].ce_credits for i in plan.taken),
        purchases=as_purchases(plan),
        courses=tuple(inst.courses[i].code for i in order(inst, plan)),
        credits=credits_report(inst, plan),
        schedule=items,
        slack_days=least_slack(items),
    )


def to_bundles(inst: Instance, labelled: Sequence[tuple[str, Plan]]) -> tuple[Bundle, ...]:
    if not labelled:
        return ()
    base = labelled[0][1].price
    return tuple(
        to_bundle(inst, plan, rank, label, base)
        for rank, (label, plan) in enumerate(labelled, start=1)
    )
