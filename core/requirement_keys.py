"""The keys extra requirements are reported under (contract §6): one rule for the engine
(`matching.solver`, which may import nothing else of the project: this module imports
nothing at all) and for the prescriptions that name them (`prescriptions.extras`)."""

from __future__ import annotations

TOTAL_CE = "total_ce"
TOTAL_DISCIPLINE = "total_discipline"
MAJOR_MINIMUM = "major_minimum"
TAG_MINIMUM = "tag_minimum"
MAJOR_PREFIX = "major:"
TAG_PREFIX = "tag:"


def requirement_key(kind: str, label: str | None, major: str = "") -> str:
    """The key an extra requirement is reported under (contract §6): its label, else
    `total_ce`, `total_discipline`, `tag:tag_minimum` (the default label is the kind);
    major_minimum has one key per major, `<label>:<major>` or `major:<major>`."""
    if kind == MAJOR_MINIMUM:
        return f"{label}:{major}" if label else MAJOR_PREFIX + major
    if kind == TAG_MINIMUM:
        return label or TAG_PREFIX + TAG_MINIMUM
    if kind in (TOTAL_CE, TOTAL_DISCIPLINE):
        return label or kind
    raise ValueError(f"unknown extra requirement kind: {kind!r}")
