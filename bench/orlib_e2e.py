"""OR-Library set covering through the portal: import_catalog + recommend --json.

Each instance (../shared/benchmarks/orlib/) becomes a cqr-catalog/1 file: a discipline
"OR<id>" whose outline has one subcategory per row ("row 001" …, major category "Rows"),
and one course per column (price = cost; 1.00 credit in each row it covers; ce_credits =
the number of covered rows, so the distribution never exceeds it). The prescription
requires 1.00 credit in every row, so the cheapest plan is exactly the optimal cover.

Run: .venv/bin/python bench/orlib_e2e.py [--only scp41,scp42] [--time-limit 60]
Writes bench/results/orlib_e2e.md. Exit status 1 unless every instance matches.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from orlib_data import read_instance, read_optima
from recommend_common import RESULTS, Portal, machine_note, markdown_table


def discipline_code(name: str) -> str:
    return "OR" + name.removeprefix("scp").upper()


def catalog_document(name: str, costs: list[int], rows: list[list[int]]) -> dict[str, Any]:
    code = discipline_code(name)
    row_names = [f"row {i + 1:03d}" for i in range(len(rows))]
    covers: list[list[int]] = [[] for _ in costs]
    for i, cols in enumerate(rows):
        for j in cols:
            covers[j].append(i)
    provider = f"orlib-{name}"
    return {
        "format": "cqr-catalog/1",
        "outlines": [
            {
                "discipline": code,
                "name": f"OR-Library {name}",
                "version": "1",
                "categories": [{"major": "Rows", "name": row} for row in row_names],
            }
        ],
        "providers": [{"code": provider, "name": f"OR-Library {name}", "url": ""}],
        "courses": [
            {
                "code": f"col{j + 1:04d}",
                "provider": provider,
                "title": f"{name} column {j + 1}",
                "format": "online",
                "price": f"{cost}.00",
                "ce_credits": f"{max(1, len(covers[j]))}.00",
                "distribution": [
                    {"discipline": code, "category": row_names[i], "credits": "1.00"}
                    for i in covers[j]
                ],
            }
            for j, cost in enumerate(costs)
        ],
        "packages": [],
    }


def prescription_document(name: str, rows: int) -> dict[str, Any]:
    return {
        "format": "cqr-prescription/1",
        "discipline": discipline_code(name),
        "issued_on": "2026-01-01",
        "deadline": "2027-12-31",
        "as_of": "2026-01-02",
        "required": [{"category": f"row {i + 1:03d}", "credits": "1.00"} for i in range(rows)],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated instance names")
    parser.add_argument("--time-limit", default="", help="seconds (default: the portal's, 20)")
    args = parser.parse_args()
    optima = read_optima()
    names = [n for n in optima if not args.only or n in args.only.split(",")]
    table: list[list[Any]] = []
    all_ok = True
    with tempfile.TemporaryDirectory(prefix="orlib-e2e-") as tmp:
        portal = Portal(Path(tmp))
        portal.migrate()
        for name in names:
            costs, rows = read_instance(name)
            import_seconds = portal.import_catalog(
                catalog_document(name, costs, rows), name=f"{name}.json"
            )
            limit = ("--time-limit", args.time_limit) if args.time_limit else ()
            document, seconds = portal.recommend(
                prescription_document(name, len(rows)), *limit, name=f"{name}-rx.json"
            )
            optimum = optima[name]["optimum"]
            bundle = document["bundles"][0] if document["bundles"] else None
            found = bundle["price"] if bundle else "—"
            ok = (
                document["status"] == "optimal"
                and bundle is not None
                and bundle["price"] == f"{optimum}.00"
            )
            all_ok &= ok
            row = [
                name,
                f"{len(rows)}×{len(costs)}",
                optimum,
                found,
                document["status"],
                f"{seconds:.2f}",
                f"{import_seconds:.2f}",
                "yes" if ok else "**NO**",
            ]
            table.append(row)
            print(" ".join(str(c) for c in row), flush=True)
    header = [
        "instance",
        "rows×cols",
        "optimum",
        "found",
        "status",
        "recommend s",
        "import s",
        "match",
    ]
    matched = sum(1 for row in table if row[-1] == "yes")
    text = (
        "# OR-Library set covering through import_catalog + recommend --json\n\n"
        f"{machine_note()}. `recommend` wall time is one new process each (start-up, "
        "catalog load, solve with tie-breaks, JSON); time limit "
        f"{args.time_limit or 'default (20)'} s.\n\n"
        + markdown_table(header, table)
        + f"\n\n**{matched}/{len(table)} instances reached the published optimum with status "
        "`optimal`.**\n"
    )
    if not args.only:
        (RESULTS / "orlib_e2e.md").write_text(text)
    print(text)
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
