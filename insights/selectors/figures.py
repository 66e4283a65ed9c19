"""The one suppression rule of the provider dashboard: a figure from fewer than
ANONYMITY_THRESHOLD shared prescriptions is hidden, and so is the row total that would
reveal it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.money import CENT

ANONYMITY_THRESHOLD = 5
"""The fewest contributing prescriptions a shown figure may have."""


HIDDEN_TEXT = f"fewer than {ANONYMITY_THRESHOLD}"


@dataclass(frozen=True)
class Figure:
    """An aggregate over shared prescriptions. A hidden figure carries no value and no count,
    so no template can leak them."""

    value: Decimal | int | None
    prescriptions: int | None

    @property
    def hidden(self) -> bool:
        return self.prescriptions is None

    def __str__(self) -> str:
        if self.value is None:
            return HIDDEN_TEXT
        if isinstance(self.value, Decimal):
            return f"{self.value.quantize(CENT):.2f}"
        return str(self.value)


HIDDEN = Figure(None, None)


def figure(*, prescriptions: int, value: Decimal | int | None = None) -> Figure:
    """The suppression rule used by every figure on the insights pages.

    `prescriptions` is how many distinct shared prescriptions contribute; `value` the
    aggregate (defaults to that count). Fewer than ANONYMITY_THRESHOLD (zero included, so
    "none" and "a few" look alike) gives the hidden figure.
    """
    if prescriptions < ANONYMITY_THRESHOLD:
        return HIDDEN
    return Figure(prescriptions if value is None else value, prescriptions)


def figure_row(
    cells: Sequence[tuple[int, Decimal | int]], total: tuple[int, Decimal | int]
) -> tuple[list[Figure], Figure]:
    """Suppress a row of (prescriptions, value) cells that partition the row `total`.

    Cells go through `figure()`. If the hidden cells together hold 1 to 4 prescriptions,
    the difference between the total and the shown cells would reveal them, so the
    smallest shown cells are hidden too until the hidden ones hold at least the threshold
    (or none): complementary suppression.
    """
    shown = [figure(prescriptions=n, value=v) for n, v in cells]
    total_figure = figure(prescriptions=total[0], value=total[1])
    if total_figure.hidden:
        return [HIDDEN] * len(cells), HIDDEN
    hidden_count = sum(n for (n, _), f in zip(cells, shown, strict=True) if f.hidden)
    order = sorted(range(len(cells)), key=lambda i: (cells[i][0], cells[i][1], i))
    for i in order:
        if hidden_count == 0 or hidden_count >= ANONYMITY_THRESHOLD:
            break
        if not shown[i].hidden:
            shown[i] = HIDDEN
            hidden_count += cells[i][0]
    return shown, total_figure
