"""J.E. Beasley's OR-Library set-covering instances, read by the orlib benchmarks.

The files live in ../shared/benchmarks/orlib/ (override with CQR_ORLIB_DIR): one
`<name>.txt` per instance and `optima.json` with the published optimum of each.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ORLIB = Path(
    os.environ.get(
        "CQR_ORLIB_DIR", Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "orlib"
    )
)


def read_optima() -> dict[str, Any]:
    """{instance name: {"optimum": cost, ...}} as published."""
    optima: dict[str, Any] = json.loads((ORLIB / "optima.json").read_text())
    return optima


def read_instance(name: str) -> tuple[list[int], list[list[int]]]:
    """(column costs, per row the 0-based columns covering it) of instance `name`."""
    numbers = [int(token) for token in (ORLIB / f"{name}.txt").read_text().split()]
    m, n = numbers[0], numbers[1]
    costs = numbers[2 : 2 + n]
    pos = 2 + n
    rows: list[list[int]] = []
    for _ in range(m):
        k = numbers[pos]
        rows.append([j - 1 for j in numbers[pos + 1 : pos + 1 + k]])
        pos += 1 + k
    return costs, rows
