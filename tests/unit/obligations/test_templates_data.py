"""The obligation templates data file (obligations/data/obligation_templates.json) keeps its
agreed shape: every requirement is a contract §6 kind with exact credits, every tag it uses is
in the documented vocabulary, and every template says where its rule comes from, since when,
and whether the authority's own text confirmed it."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "obligations" / "data" / "obligation_templates.json"
OUTLINES = ROOT / "catalog" / "data" / "arrt_outlines.json"

FORMAT = "cqr-obligation-templates/1"
TEMPLATE_KINDS = {"biennium", "mqsa", "state-licence", "structured-education"}
REQUIREMENT_KINDS = {"total_ce", "total_discipline", "major_minimum", "tag_minimum"}
TEMPLATE_KEYS = {
    "code",
    "name",
    "authority",
    "kind",
    "credentials",
    "state",
    "period_months",
    "requirements",
    "rules_text",
    "source",
    "source_title",
    "effective_from",
    "confirmed",
    "checked_on",
    "note",
}
CHECKED_ON = "2026-12-02"
TAG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STATE_RE = re.compile(r"^[A-Z]{2}$")
# Tags the issue names; the vocabulary must document them even where no rule uses them yet.
REQUIRED_TAGS = {
    "hiv-aids",
    "human-trafficking",
    "ionizing-radiation",
    "mammography",
    "category-a-plus",
    "sonography",
    "live-instruction",
    "medical-errors",
    "domestic-violence",
}
# Credentials the portal has no content outline for (yet) but a template may name.
EXTRA_CREDENTIALS = {"IA"}


def _iso_date(value: Any) -> dt.date:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"not an ISO date: {value!r}")
    return dt.date.fromisoformat(value)


def _credits(value: Any) -> Decimal:
    if not isinstance(value, str):
        raise ValueError(f"credits must be a decimal string, got {value!r}")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"credits not a decimal: {value!r}") from exc
    exponent = amount.as_tuple().exponent
    if not amount.is_finite() or amount <= 0 or not isinstance(exponent, int) or exponent < -2:
        raise ValueError(f"credits must be positive with at most 2 decimal places: {value!r}")
    return amount


def _vocabulary_problems(tags: list[dict[str, Any]]) -> tuple[set[str], list[str]]:
    vocabulary: set[str] = set()
    found: list[str] = []
    for i, entry in enumerate(tags):
        tag = entry.get("tag")
        if not isinstance(tag, str) or not TAG_RE.fullmatch(tag):
            found.append(f"tags[{i}].tag: not lower-case hyphenated: {tag!r}")
            continue
        if tag in vocabulary:
            found.append(f"tags[{i}].tag: duplicate {tag!r}")
        vocabulary.add(tag)
        found.extend(
            f"tag {tag}: {field} is empty"
            for field in ("label", "description")
            if not str(entry.get(field, "")).strip()
        )
    found.extend(
        f"tags: {tag!r} missing from the vocabulary" for tag in sorted(REQUIRED_TAGS - vocabulary)
    )
    return vocabulary, found


def _requirement_problems(where: str, requirements: list[Any], vocabulary: set[str]) -> list[str]:
    found: list[str] = []
    if not requirements:
        found.append(f"{where}.requirements: empty")
    labels: set[str] = set()
    for j, requirement in enumerate(requirements):
        at = f"{where}.requirements[{j}]"
        kind = requirement.get("kind")
        if kind not in REQUIREMENT_KINDS:
            found.append(f"{at}.kind: {kind!r} is not a contract §6 kind")
        try:
            _credits(requirement.get("credits"))
        except ValueError as exc:
            found.append(f"{at}.credits: {exc}")
        tags = requirement.get("tags")
        if kind == "tag_minimum":
            if not isinstance(tags, list) or not tags:
                found.append(f"{at}.tags: tag_minimum needs a non-empty list of tags")
            else:
                found.extend(
                    f"{at}.tags: {tag!r} is not in the tag vocabulary"
                    for tag in tags
                    if tag not in vocabulary
                )
        elif tags is not None:
            found.append(f"{at}.tags: only tag_minimum carries tags")
        label = str(requirement.get("label", "")).strip()
        if not label:
            found.append(f"{at}.label: empty")
        elif label in labels:
            found.append(f"{at}.label: duplicate {label!r} (shortfalls are named by label)")
        labels.add(label)
    return found


def _scope_problems(where: str, template: dict[str, Any], known_credentials: set[str]) -> list[str]:
    found: list[str] = []
    if template.get("kind") not in TEMPLATE_KINDS:
        found.append(f"{where}.kind: {template.get('kind')!r} not in {sorted(TEMPLATE_KINDS)}")
    credentials = template.get("credentials")
    if not isinstance(credentials, list) or not all(isinstance(c, str) for c in credentials):
        found.append(f"{where}.credentials: must be a list of credential codes")
    else:
        found.extend(
            f"{where}.credentials: unknown credential {credential!r}"
            for credential in credentials
            if credential not in known_credentials
        )
    state = template.get("state")
    if template.get("kind") == "state-licence":
        if not isinstance(state, str) or not STATE_RE.fullmatch(state):
            found.append(f"{where}.state: a state licence needs a 2-letter state, got {state!r}")
    elif state is not None:
        found.append(f"{where}.state: only state licences have a state, got {state!r}")
    period = template.get("period_months")
    if period is not None and (
        isinstance(period, bool) or not isinstance(period, int) or period <= 0
    ):
        found.append(f"{where}.period_months: positive integer or null, got {period!r}")
    if period is None and "one-time" not in str(template.get("rules_text", "")).lower():
        found.append(f"{where}.period_months: null only for a one-time obligation")
    return found


def _provenance_problems(where: str, template: dict[str, Any]) -> list[str]:
    found = [
        f"{where}.{field}: empty"
        for field in ("name", "authority", "rules_text", "source_title", "note")
        if not str(template.get(field, "")).strip()
    ]
    if not str(template.get("source", "")).startswith(("http://", "https://")):
        found.append(f"{where}.source: must be the URL of what was read")
    if not isinstance(template.get("confirmed"), bool):
        found.append(f"{where}.confirmed: must be true or false")
    checked = dt.date.max
    try:
        checked = _iso_date(template.get("checked_on"))
        if template.get("checked_on") != CHECKED_ON:
            found.append(f"{where}.checked_on: expected {CHECKED_ON}")
    except ValueError as exc:
        found.append(f"{where}.checked_on: {exc}")
    try:
        if _iso_date(template.get("effective_from")) > checked:
            found.append(f"{where}.effective_from: after checked_on")
    except ValueError as exc:
        found.append(f"{where}.effective_from: {exc}")
    return found


def problems(doc: dict[str, Any], known_credentials: set[str]) -> list[str]:
    """Every way `doc` departs from the agreed format, each naming the record and field."""
    found: list[str] = []
    if doc.get("format") != FORMAT:
        found.append(f"format: expected {FORMAT!r}, got {doc.get('format')!r}")
    vocabulary, tag_problems = _vocabulary_problems(doc.get("tags", []))
    found.extend(tag_problems)
    templates = doc.get("templates", [])
    if not templates:
        found.append("templates: empty")
    codes: set[str] = set()
    for i, template in enumerate(templates):
        code = template.get("code") or f"templates[{i}]"
        where = f"template {code}"
        if code in codes:
            found.append(f"{where}: duplicate code")
        codes.add(code)
        keys = set(template)
        if keys != TEMPLATE_KEYS:
            found.append(
                f"{where}: keys missing {sorted(TEMPLATE_KEYS - keys)} "
                f"unexpected {sorted(keys - TEMPLATE_KEYS)}"
            )
        found.extend(_scope_problems(where, template, known_credentials))
        found.extend(_requirement_problems(where, template.get("requirements") or [], vocabulary))
        found.extend(_provenance_problems(where, template))
    return found


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def known_credentials() -> set[str]:
    outlines = json.loads(OUTLINES.read_text(encoding="utf-8"))
    return {entry["discipline"] for entry in outlines["outlines"]} | EXTRA_CREDENTIALS


def test_the_shipped_file_has_no_problems(doc: dict[str, Any], known_credentials: set[str]):
    assert problems(doc, known_credentials) == []


def test_the_issue_obligations_are_all_there(doc: dict[str, Any]):
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for template in doc["templates"]:
        by_kind.setdefault(template["kind"], []).append(template)
    assert {"biennium", "mqsa", "state-licence", "structured-education"} <= set(by_kind)
    assert len({t["state"] for t in by_kind["state-licence"]}) >= 5
    totals = {
        t["code"]: {
            r["kind"]: r["credits"] for r in t["requirements"] if r["kind"] != "tag_minimum"
        }
        for t in doc["templates"]
    }
    assert totals["arrt-biennium"] == {"total_ce": "24"}
    assert totals["arrt-biennium-rra"] == {"total_ce": "50"}
    assert totals["arrt-structured-education"] == {"total_discipline": "16", "major_minimum": "1"}
    assert totals["arrt-structured-education-ia"]["total_discipline"] == "32"


def test_unconfirmed_templates_say_what_is_inferred(doc: dict[str, Any]):
    for template in doc["templates"]:
        if not template["confirmed"]:
            note = template["note"]
            assert re.search(r"not read|not found|inferred", note, re.I), template["code"]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.update(format="cqr-obligation-templates/2"), "format"),
        (
            lambda d: d["tags"].append({"tag": "HIV AIDS", "label": "x", "description": "x"}),
            "not lower-case hyphenated",
        ),
        (
            lambda d: d["templates"][0]["requirements"].append(
                {"kind": "tag_minimum", "tags": ["no-such-tag"], "credits": "1", "label": "x"}
            ),
            "not in the tag vocabulary",
        ),
        (
            lambda d: d["templates"][0]["requirements"][0].update(kind="max_online"),
            "not a contract §6 kind",
        ),
        (
            lambda d: d["templates"][0]["requirements"][0].update(credits="1.125"),
            "at most 2 decimal places",
        ),
        (lambda d: d["templates"][0]["requirements"][0].update(credits=24.0), "decimal string"),
        (lambda d: d["templates"][0].update(effective_from="01/01/1995"), "not an ISO date"),
        (lambda d: d["templates"][0].pop("confirmed"), "keys missing ['confirmed']"),
        (lambda d: d["templates"][0].update(source=""), "source"),
        (lambda d: d["templates"][0].update(kind="state-licence"), "needs a 2-letter state"),
        (lambda d: d["templates"][0].update(credentials=["XX"]), "unknown credential"),
    ],
)
def test_the_validator_catches_each_kind_of_mistake(
    doc: dict[str, Any], known_credentials: set[str], mutate: Any, expected: str
):
    broken = copy.deepcopy(doc)
    mutate(broken)
    assert any(expected in problem for problem in problems(broken, known_credentials))
