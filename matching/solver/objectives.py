"""The three objectives of the lexicographic order, over a formulation and over a plan."""

from __future__ import annotations

from enum import Enum

from .formulation import FloatArray, Formulation
from .plan import Plan


class Objective(Enum):
    PRICE = "price"
    HOURS = "hours"
    COUNT = "courses"

    def vector(self, form: Formulation) -> FloatArray:
        if self is Objective.PRICE:
            return form.price
        return form.hours if self is Objective.HOURS else form.count

    def row(self, form: Formulation) -> int:
        if self is Objective.PRICE:
            return form.price_row
        return form.hours_row if self is Objective.HOURS else form.count_row

    def of(self, plan: Plan) -> int:
        if self is Objective.PRICE:
            return plan.price
        return plan.hours if self is Objective.HOURS else plan.count
